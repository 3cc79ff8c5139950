import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, startHttpReceiver } from '../../testing/http-receiver.ts';
import { DING_SECRET, DING_TOKEN, FEISHU_SECRET, platformMode, robotPlatform, WECOM_KEY } from '../../testing/robot-platforms.ts';
import { outboxEntry } from '../../testing/outbox-entry.ts';
import type { DeliveryPayload, NotificationMessage } from '../message.ts';
import { createRobotChannel, type RobotConfig } from './robots.ts';

const message: NotificationMessage = {
  language: 'zh',
  title: 'P1 3号楼电梯困人',
  text: '工单 WO-12 已派给李伟\n位置:3号楼 1号梯',
  link: 'https://fms.estate.example/console/orders/WO-12',
};
const deliver = (robot: string, m: Partial<NotificationMessage> = {}): DeliveryPayload => ({ address: robot, message: { ...message, ...m } });

describe('the group robot channel', () => {
  let rx: Awaited<ReturnType<typeof startHttpReceiver>>;
  let robots: RobotConfig[];
  beforeAll(async () => {
    rx = await startHttpReceiver(robotPlatform);
    robots = [
      { id: 'wecom-ops', kind: 'wecom', url: `${rx.url}/cgi-bin/webhook/send?key=${WECOM_KEY}` },
      { id: 'ding-ops', kind: 'dingtalk', url: `${rx.url}/robot/send?access_token=${DING_TOKEN}`, secret: DING_SECRET },
      { id: 'ding-wrong', kind: 'dingtalk', url: `${rx.url}/robot/send?access_token=${DING_TOKEN}`, secret: 'SECsomeone-else' },
      { id: 'feishu-ops', kind: 'feishu', url: `${rx.url}/open-apis/bot/v2/hook/abc`, secret: FEISHU_SECRET },
      { id: 'feishu-old', kind: 'feishu', url: `${rx.url}/open-apis/bot/v2/hook/old`, secret: FEISHU_SECRET },
      { id: 'feishu-wrong', kind: 'feishu', url: `${rx.url}/open-apis/bot/v2/hook/abc`, secret: 'someone-else' },
    ];
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    platformMode.now = 'normal';
    rx.received.length = 0;
  });
  const last = () => JSON.parse(rx.received.at(-1)!.body);

  it('sends a WeCom robot markdown with the title, text and link, and an urgent message as text to @all', async () => {
    const send = createRobotChannel(robots);
    expect(await send(outboxEntry('ob-1', 'wecom', deliver('wecom-ops')))).toEqual({ ok: true });
    expect(last()).toEqual({
      msgtype: 'markdown',
      markdown: { content: '**P1 3号楼电梯困人**\n工单 WO-12 已派给李伟\n位置:3号楼 1号梯\n[在 FMS 中查看](https://fms.estate.example/console/orders/WO-12)' },
    });
    expect(await send(outboxEntry('ob-2', 'wecom', deliver('wecom-ops', { urgent: true, language: 'en' })))).toEqual({ ok: true });
    expect(last()).toEqual({
      msgtype: 'text',
      text: { content: `P1 3号楼电梯困人\n工单 WO-12 已派给李伟\n位置:3号楼 1号梯\n${message.link}`, mentioned_list: ['@all'] },
    });
    // WeCom refuses markdown over 4096 bytes: a long text is cut between characters to fit, the link kept.
    expect(await send(outboxEntry('ob-2b', 'wecom', deliver('wecom-ops', { text: '巡检记录'.repeat(600) })))).toEqual({ ok: true });
    const content: string = last().markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(content)).toBeGreaterThan(4080);
    expect(content).toMatch(/[巡检记录]…\n\[在 FMS 中查看\]\(https:\/\/fms.estate.example\/console\/orders\/WO-12\)$/);
    expect(content).not.toContain('\uFFFD');
  });

  it('signs a DingTalk message the way its platform checks it, with a title for the chat list and @all when urgent', async () => {
    const send = createRobotChannel(robots);
    expect(await send(outboxEntry('ob-3', 'dingtalk', deliver('ding-ops', { urgent: true })))).toEqual({ ok: true });
    const body = last();
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('P1 3号楼电梯困人');
    expect(body.markdown.text).toBe(`### P1 3号楼电梯困人\n\n工单 WO-12 已派给李伟\n\n位置:3号楼 1号梯\n\n[在 FMS 中查看](${message.link})\n\n@all`);
    expect(body.at).toEqual({ isAtAll: true });
    expect(await send(outboxEntry('ob-4', 'dingtalk', deliver('ding-ops', { language: 'en' })))).toEqual({ ok: true });
    expect(last().at).toEqual({ isAtAll: false });
    expect(last().markdown.text).toContain('[Open in FMS](');
  });

  it('signs a Feishu post in the message language, at everyone when urgent, and takes the older answer shape as sent', async () => {
    const send = createRobotChannel(robots);
    expect(await send(outboxEntry('ob-5', 'feishu', deliver('feishu-ops', { urgent: true })))).toEqual({ ok: true });
    const body = last();
    expect(body.msg_type).toBe('post');
    expect(body.content.post.zh_cn).toEqual({
      title: 'P1 3号楼电梯困人',
      content: [
        [{ tag: 'text', text: '工单 WO-12 已派给李伟' }],
        [{ tag: 'text', text: '位置:3号楼 1号梯' }],
        [{ tag: 'a', text: '在 FMS 中查看', href: message.link }],
        [{ tag: 'at', user_id: 'all' }],
      ],
    });
    expect(await send(outboxEntry('ob-6', 'feishu', deliver('feishu-old', { language: 'en', title: 'Pump fault' })))).toEqual({ ok: true });
    expect(last().content.post.en_us.title).toBe('Pump fault');
  });

  it('reports a signature the platform refuses with the platform message, and does not retry it', async () => {
    const send = createRobotChannel(robots);
    expect(await send(outboxEntry('ob-7', 'dingtalk', deliver('ding-wrong')))).toEqual({
      ok: false,
      error: 'dingtalk robot ding-wrong: error 310000: sign not match',
      retry: false,
    });
    expect(await send(outboxEntry('ob-8', 'feishu', deliver('feishu-wrong')))).toEqual({
      ok: false,
      error: 'feishu robot feishu-wrong: error 19021: sign match fail or timestamp is not within one hour from current time',
      retry: false,
    });
    const wrongKey = createRobotChannel([{ id: 'wecom-x', kind: 'wecom', url: `${rx.url}/cgi-bin/webhook/send?key=stolen` }]);
    const r = await wrongKey(outboxEntry('ob-9', 'wecom', deliver('wecom-x')));
    expect(r).toEqual({ ok: false, error: 'wecom robot wecom-x: error 93000: invalid webhook url', retry: false });
  });

  it('is refused by DingTalk and Feishu when its clock is more than an hour off', async () => {
    const late = createRobotChannel(robots, { now: () => Date.now() - 2 * 3_600_000 });
    expect(await late(outboxEntry('ob-10', 'dingtalk', deliver('ding-ops')))).toMatchObject({
      ok: false,
      error: expect.stringContaining('310000: invalid timestamp'),
      retry: false,
    });
    expect(await late(outboxEntry('ob-11', 'feishu', deliver('feishu-ops')))).toMatchObject({
      ok: false,
      error: expect.stringContaining('19021'),
      retry: false,
    });
  });

  it("retries each platform's rate limit, server errors and a platform that cannot be reached, and names the robot, never its key", async () => {
    const send = createRobotChannel(robots);
    platformMode.now = 'throttled';
    const throttled = await Promise.all(['wecom-ops', 'ding-ops', 'feishu-ops'].map((id, i) => send(outboxEntry(`ob-t${i}`, 'robot', deliver(id)))));
    expect(throttled).toEqual([
      { ok: false, error: 'wecom robot wecom-ops: error 45009: api freq out of limit', retry: true },
      { ok: false, error: 'dingtalk robot ding-ops: error 130101: send too fast, exceed 20 times per minute', retry: true },
      { ok: false, error: 'feishu robot feishu-ops: error 11232: frequency limited', retry: true },
    ]);
    platformMode.now = 'down';
    expect(await send(outboxEntry('ob-12', 'wecom', deliver('wecom-ops')))).toEqual({
      ok: false,
      error: 'wecom robot wecom-ops: answered 502: <html>Bad Gateway</html>',
      retry: true,
    });
    const unreachable = createRobotChannel([{ id: 'w', kind: 'wecom', url: `http://127.0.0.1:${await closedPort()}/cgi-bin/webhook/send?key=${WECOM_KEY}` }]);
    const down = await unreachable(outboxEntry('ob-13', 'wecom', deliver('w')));
    expect(down).toEqual({ ok: false, error: 'wecom robot w: ECONNREFUSED', retry: true });
    expect(JSON.stringify([throttled, down])).not.toContain(WECOM_KEY);
    expect(JSON.stringify(throttled)).not.toContain(DING_TOKEN);
  });

  it('refuses a robot nobody configured without retrying', async () => {
    const send = createRobotChannel(robots);
    expect(await send(outboxEntry('ob-14', 'wecom', deliver('nobody')))).toEqual({ ok: false, error: 'no robot "nobody" is configured', retry: false });
  });
});
