import { createHmac } from 'node:crypto';
import type { Answer, Received } from './http-receiver.ts';

export const WECOM_KEY = 'wecom-key-693a91f6';
export const DING_TOKEN = 'ding-access-token-1';
export const DING_SECRET = 'SECdingtalk-secret-0123456789abcdef';
export const FEISHU_SECRET = 'feishu-secret-0123456789';
const HOUR = 3_600_000;

/** How the stand-in platforms behave: normally, rate-limiting every robot, or down. */
export const platformMode: { now: 'normal' | 'throttled' | 'down' } = { now: 'normal' };

/**
 * Three platforms in one local server, each checking what its real counterpart checks: WeCom the key in
 * the URL, DingTalk the token, timestamp (ms, within an hour) and HMAC in the query, Feishu the
 * timestamp (s, within an hour) and HMAC in the body. Each answers in its own shape.
 */
export function robotPlatform(r: Received): Answer {
  const url = new URL(r.url, 'http://x');
  const body = JSON.parse(r.body) as Record<string, unknown>;
  if (platformMode.now === 'down') return { status: 502, body: '<html>Bad Gateway</html>' };
  if (url.pathname === '/cgi-bin/webhook/send') {
    if (url.searchParams.get('key') !== WECOM_KEY) return { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url' } };
    if (platformMode.now === 'throttled') return { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } };
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }
  if (url.pathname === '/robot/send') {
    const ts = Number(url.searchParams.get('timestamp'));
    const expected = createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64');
    if (url.searchParams.get('access_token') !== DING_TOKEN) return { status: 200, body: { errcode: 300001, errmsg: 'token is not exist' } };
    if (!(Math.abs(Date.now() - ts) < HOUR)) return { status: 200, body: { errcode: 310000, errmsg: 'invalid timestamp' } };
    if (url.searchParams.get('sign') !== expected) return { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
    if (platformMode.now === 'throttled') return { status: 200, body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  }
  if (url.pathname.startsWith('/open-apis/bot/v2/hook/')) {
    const ts = Number(body.timestamp);
    const expected = createHmac('sha256', `${body.timestamp}\n${FEISHU_SECRET}`).update('').digest('base64');
    if (!(Math.abs(Date.now() / 1000 - ts) < 3600) || body.sign !== expected)
      return { status: 200, body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time', data: {} } };
    if (platformMode.now === 'throttled') return { status: 200, body: { code: 11232, msg: 'frequency limited', data: {} } };
    // An older bot answers in the older shape.
    if (url.pathname.endsWith('/old')) return { status: 200, body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } };
    return { status: 200, body: { code: 0, msg: 'success', data: {} } };
  }
  return { status: 404, body: 'not found' };
}
