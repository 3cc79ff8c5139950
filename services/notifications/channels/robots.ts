import { createHmac } from 'node:crypto';
import { parseDeliveryPayload, type NotificationMessage } from '../message.ts';
import type { Channel, ChannelResult } from '../outbox-sender.ts';
import { excerpt, networkFailure, post, retryableStatus } from './http.ts';

export type RobotKind = 'wecom' | 'dingtalk' | 'feishu';

/** A group chat's robot: the payload's `address` is its `id`. */
export interface RobotConfig {
  id: string;
  kind: RobotKind;
  /** The robot's webhook address as the platform shows it (WeCom's and DingTalk's carry their access key). */
  url: string;
  /** DingTalk "加签" and Feishu "签名校验": the secret the platform shows; WeCom robots have none. */
  secret?: string;
}

export interface RobotChannelOptions {
  timeoutMs?: number;
  /** The clock the signatures' timestamps come from (the platforms refuse one more than an hour off). */
  now?: () => number;
}

/** One platform's request for a message, and how to read its answer. */
interface Platform {
  request(robot: RobotConfig, m: NotificationMessage, now: number): { url: string; body: unknown };
  /** Error codes the platform answers when a robot sends too fast: worth trying again later. */
  rateLimited: ReadonlySet<number>;
  /** The answer's code (0 is sent) and message. */
  read(answer: Record<string, unknown>): { code: number; message: string };
}

const LINK_LABEL = { en: 'Open in FMS', zh: '在 FMS 中查看' } as const;

/** The first bytes of `s` in UTF-8 that fit `max`, cut between characters (WeCom counts bytes, and refuses a longer message). */
export function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > max - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/** `head + body + tail` within `max` UTF-8 bytes: the body is shortened so the title and the link survive. */
function fitUtf8(head: string, body: string, tail: string, max: number): string {
  return head + truncateUtf8(body, max - Buffer.byteLength(head) - Buffer.byteLength(tail)) + tail;
}

/**
 * WeCom (企业微信) group robot: the key is in the URL, no signature. Markdown cannot mention anyone
 * but single members, so an urgent message goes as text with `mentioned_list: ["@all"]` instead.
 * Limits: markdown 4096 bytes, text 2048 bytes; 45009 is "api freq out of limit" (20 messages a minute).
 */
const wecom: Platform = {
  request(robot, m) {
    if (m.urgent) {
      const content = fitUtf8(`${m.title}\n`, m.text, m.link ? `\n${m.link}` : '', 2048);
      return { url: robot.url, body: { msgtype: 'text', text: { content, mentioned_list: ['@all'] } } };
    }
    const content = fitUtf8(`**${m.title}**\n`, m.text, m.link ? `\n[${LINK_LABEL[m.language]}](${m.link})` : '', 4096);
    return { url: robot.url, body: { msgtype: 'markdown', markdown: { content } } };
  },
  rateLimited: new Set([45009, -1]),
  read: (a) => ({ code: Number(a.errcode ?? -2), message: String(a.errmsg ?? '') }),
};

/** DingTalk's "加签": base64 HMAC-SHA256, keyed by the secret, of `timestamp + "\n" + secret` (URL-encoded when set as a query parameter). */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/**
 * DingTalk (钉钉) custom robot: `timestamp` (ms) and `sign` as query parameters, markdown with a title
 * (what the chat list shows) and `at.isAtAll` when urgent. 130101 and 410100 are its "sending too fast".
 */
const dingtalk: Platform = {
  request(robot, m, now) {
    const url = new URL(robot.url);
    if (robot.secret) {
      url.searchParams.set('timestamp', String(now));
      url.searchParams.set('sign', dingtalkSign(robot.secret, now));
    }
    const lines = [`### ${m.title}`, ...m.text.split('\n'), ...(m.link ? [`[${LINK_LABEL[m.language]}](${m.link})`] : []), ...(m.urgent ? ['@all'] : [])];
    // DingTalk's markdown needs an empty line for a line break.
    return { url: url.toString(), body: { msgtype: 'markdown', markdown: { title: m.title, text: lines.join('\n\n') }, at: { isAtAll: m.urgent ?? false } } };
  },
  rateLimited: new Set([130101, 410100, -1]),
  read: (a) => ({ code: Number(a.errcode ?? -2), message: String(a.errmsg ?? '') }),
};

/** Feishu's signature: base64 HMAC-SHA256 whose KEY is `timestamp + "\n" + secret`, over an empty message. */
export function feishuSign(secret: string, timestampS: number): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

/**
 * Feishu / Lark (飞书) custom bot: `timestamp` (seconds, a string) and `sign` in the body, a rich-text
 * `post` in the message's language, `at` everyone when urgent. Answers `{code: 0}`; older bots
 * `{StatusCode: 0}`. 11232 is its "frequency limited".
 */
const feishu: Platform = {
  request(robot, m, now) {
    const seconds = Math.floor(now / 1000);
    const sig = robot.secret ? { timestamp: String(seconds), sign: feishuSign(robot.secret, seconds) } : {};
    const rows: unknown[][] = m.text.split('\n').map((line) => [{ tag: 'text', text: line }]);
    if (m.link) rows.push([{ tag: 'a', text: LINK_LABEL[m.language], href: m.link }]);
    if (m.urgent) rows.push([{ tag: 'at', user_id: 'all' }]);
    const post = { [m.language === 'zh' ? 'zh_cn' : 'en_us']: { title: m.title, content: rows } };
    return { url: robot.url, body: { ...sig, msg_type: 'post', content: { post } } };
  },
  rateLimited: new Set([11232]),
  read: (a) => ({ code: Number(a.code ?? a.StatusCode ?? -2), message: String(a.msg ?? a.StatusMessage ?? '') }),
};

const PLATFORMS: Record<RobotKind, Platform> = { wecom, dingtalk, feishu };

/** Reads a platform's answer: its own error code decides, HTTP trouble and rate limits are retried. */
function outcome(robot: RobotConfig, platform: Platform, status: number, text: string): ChannelResult {
  const who = `${robot.kind} robot ${robot.id}`;
  let answer: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') answer = parsed as Record<string, unknown>;
  } catch {
    answer = undefined;
  }
  if (!answer || status < 200 || status >= 300) {
    const retry = retryableStatus(status) || (answer !== undefined && platform.rateLimited.has(platform.read(answer).code));
    return { ok: false, error: `${who}: answered ${status}${text.trim() ? `: ${excerpt(text.trim())}` : ''}`, retry };
  }
  const { code, message } = platform.read(answer);
  if (code === 0) return { ok: true };
  return { ok: false, error: `${who}: error ${code}: ${excerpt(message)}`, retry: platform.rateLimited.has(code) };
}

/**
 * The group robots Chinese property companies use (WeCom, DingTalk, Feishu), each in its own signed
 * webhook format. Errors name the robot by id, never by URL (the URL is its access key).
 */
export function createRobotChannel(robots: readonly RobotConfig[], opts: RobotChannelOptions = {}): Channel {
  const byId = new Map(robots.map((r) => [r.id, r]));
  const now = opts.now ?? Date.now;
  return async (entry) => {
    const p = parseDeliveryPayload(entry.payload);
    if (!p.ok) return { ok: false, error: p.error, retry: false };
    const robot = byId.get(p.value.address);
    if (!robot) return { ok: false, error: `no robot "${p.value.address}" is configured`, retry: false };
    const platform = PLATFORMS[robot.kind];
    const req = platform.request(robot, p.value.message, now());
    try {
      const res = await post(req.url, JSON.stringify(req.body), {}, opts.timeoutMs);
      return outcome(robot, platform, res.status, res.text);
    } catch (err) {
      return networkFailure(`${robot.kind} robot ${robot.id}`, err);
    }
  };
}
