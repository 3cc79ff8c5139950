import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG, startResidentsFms } from './testing/residents-estate.ts';

type Fms = Awaited<ReturnType<typeof startResidentsFms>>;

/** The form's signed token, as the page gives it to the browser. */
const formToken = (page: string) => /name="_form" value="([^"]+)"/.exec(page)?.[1] ?? '';

async function openForm(fms: Fms, path: string, lang = 'en') {
  const res = await fetch(`${fms.httpUrl}${path}`, { headers: { 'accept-language': lang } });
  return { status: res.status, page: await res.text() };
}

interface Submission {
  category?: string;
  description?: string;
  name?: string;
  phone?: string;
  email?: string;
  website?: string;
  code?: string;
  photos?: { name: string; type: string; data: Buffer }[];
  token?: string | null;
  lang?: string;
}

async function file(fms: Fms, path: string, s: Submission = {}) {
  const token = s.token === undefined ? formToken((await openForm(fms, path)).page) : s.token;
  const form = new FormData();
  if (token !== null) form.set('_form', token);
  form.set('category', s.category ?? 'repair');
  form.set('description', s.description ?? 'The corridor light on floor 17 is out');
  form.set('name', s.name ?? 'Mrs Zhou');
  if (s.phone !== '') form.set('phone', s.phone ?? '13800000000');
  if (s.email) form.set('email', s.email);
  if (s.website) form.set('website', s.website);
  if (s.code) form.set('code', s.code);
  form.set('language', 'en');
  for (const p of s.photos ?? []) form.append('photo', new Blob([new Uint8Array(p.data)], { type: p.type }), p.name);
  const res = await fetch(`${fms.httpUrl}${path}`, { method: 'POST', body: form, redirect: 'manual', headers: { 'accept-language': s.lang ?? 'en' } });
  return { status: res.status, location: res.headers.get('location'), retryAfter: res.headers.get('retry-after'), page: await res.text() };
}

async function refusals(fms: Fms): Promise<Record<string, number>> {
  const text = await (await fetch(`${fms.httpUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^fms_resident_refusals_total\{reason="([a-z_]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

const orders = async (fms: Fms) => (await (await fetch(`${fms.httpUrl}/api/work-orders?source=request`)).json()) as { total: number; items: any[] };

describe('the residents’ request pages refuse abuse clearly and count it', () => {
  let fms: Fms;
  beforeAll(async () => {
    fms = await startResidentsFms({ perAddressPerHour: 4, perContactPerHour: 2, photoMaxMb: 0.1, photos: 2 });
  }, 30_000);
  afterAll(() => fms?.stop());

  it('a request with a photo opens an order from the app channel with the requester, and the resident is told the tracking link', async () => {
    const r = await file(fms, '/request/riverside/rs-pump-01', { photos: [{ name: 'leak.png', type: 'image/png', data: PNG }] });
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/^\/track\/[A-Za-z0-9_-]{43}\?filed=1$/);
    expect(fms.told).toHaveLength(1);
    const told = fms.told[0]!;
    expect(told.to).toEqual({ phone: '13800000000' });
    expect(told.message).toMatchObject({ event: 'resident.received', language: 'en' });
    expect(told.message.link).toBe(`${fms.httpUrl}${r.location!.replace('?filed=1', '')}`);
    const order = (await orders(fms)).items[0];
    expect(order).toMatchObject({
      source: 'request',
      channel: 'app',
      category: 'repair',
      priority: 'P3',
      site: 'riverside',
      assetId: 'rs-pump-01',
      location: 'Basement B1',
      requester: { name: 'Mrs Zhou', phone: '13800000000' },
    });
    expect(told.message.subjectId).toBe(order.id);
    const full = (await (await fetch(`${fms.httpUrl}/api/work-orders/${order.id}`)).json()) as {
      attachments: { contentType: string }[];
      acceptance: { required: string[] };
    };
    expect(full.attachments.map((a) => a.contentType)).toEqual(['image/png']);
    expect(full.acceptance.required).toContain('requester');
    // The tracking page shows it received, in the resident's language.
    const page = await (await fetch(`${fms.httpUrl}${r.location}`)).text();
    expect(page).toContain(order.id);
    expect(page).toContain('Thank you: we have your request');
  });

  it('a text file named .jpg is no photo: refused, nothing opened, counted', async () => {
    const before = (await orders(fms)).total;
    const r = await file(fms, '/request/riverside', {
      photos: [{ name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from('just some text, not a picture') }],
    });
    expect(r.status).toBe(400);
    expect(r.page).toContain('“photo.jpg” is not a photo we can take');
    // What the resident typed is kept for the next try.
    expect(r.page).toContain('The corridor light on floor 17 is out');
    expect((await orders(fms)).total).toBe(before);
    expect((await refusals(fms)).photo_type).toBe(1);
  });

  it('a photo over the size limit, or one photo too many, is refused with the limits', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(200 * 1024)]);
    const r = await file(fms, '/request/riverside', { photos: [{ name: 'big.png', type: 'image/png', data: big }] });
    expect(r.status).toBe(413);
    expect(r.page).toContain('Send at most 2 photos of at most 0.1 MB each.');
    const three = [1, 2, 3].map((i) => ({ name: `p${i}.png`, type: 'image/png', data: PNG }));
    expect((await file(fms, '/request/riverside', { photos: three })).status).toBe(413);
    expect((await refusals(fms)).photo_size).toBe(2);
  });

  it('a filled honeypot is thanked quietly, opens nothing and is counted', async () => {
    const before = (await orders(fms)).total;
    const r = await file(fms, '/request/riverside', { website: 'http://spam.example' });
    expect(r.status).toBe(200);
    expect(r.page).toContain('Thank you, your message was sent.');
    expect(r.page).not.toContain('/track/');
    expect((await orders(fms)).total).toBe(before);
    expect((await refusals(fms)).honeypot).toBe(1);
    expect(fms.records.some((l) => l.msg === 'resident submission refused' && l.reason === 'honeypot')).toBe(true);
  });

  it('a missing or forged form token is refused; a token of another page is forged too', async () => {
    expect((await file(fms, '/request/riverside', { token: null })).status).toBe(403);
    const forged = await file(fms, '/request/riverside', { token: `${Date.now()}.abc.${'x'.repeat(43)}` });
    expect(forged.status).toBe(403);
    expect(forged.page).toContain('This form could not be checked');
    const lakeviewToken = formToken((await openForm(fms, '/request/lakeview')).page);
    expect((await file(fms, '/request/riverside', { token: lakeviewToken })).status).toBe(403);
    // A post from a page of another origin, even with a good token, is refused too.
    const token = formToken((await openForm(fms, '/request/riverside')).page);
    const other = await fetch(`${fms.httpUrl}/request/riverside`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ _form: token, category: 'repair', description: 'x', name: 'x', phone: '13800000000' }).toString(),
    });
    expect(other.status).toBe(403);
    expect((await refusals(fms)).form_token).toBe(4);
  });

  it('another site’s asset in the address, or a site not open to residents, is a clear 404', async () => {
    const other = await openForm(fms, '/request/riverside/lv-pump-01');
    expect(other.status).toBe(404);
    expect(other.page).toContain('This QR code does not belong to this site');
    expect((await file(fms, '/request/riverside/lv-pump-01', { token: 'x' })).status).toBe(404);
    const zh = await openForm(fms, '/request/nowhere', 'zh-CN');
    expect(zh.status).toBe(404);
    expect(zh.page).toContain('本项目暂不接受在线报事');
    const r = await refusals(fms);
    expect(r.asset_site).toBe(2);
    expect(r.site_closed).toBe(1);
  });

  it('a JSON body, or one nested deep, is not the form: refused', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const nested = await fetch(`${fms.httpUrl}/request/riverside`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
    expect(nested.status).toBe(400);
    const json = await fetch(`${fms.httpUrl}/request/riverside`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
    expect(await json.text()).toContain('This page takes the request form only.');
    const huge = await fetch(`${fms.httpUrl}/request/riverside`, {
      method: 'POST',
      body: `description=${'x'.repeat(100_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(huge.status).toBe(413);
  });

  it('the same phone twice an hour at most, then this address four times at most: refused with when to try again', async () => {
    expect((await file(fms, '/request/lakeview', { phone: '13900000001' })).status).toBe(303);
    expect((await file(fms, '/request/lakeview', { phone: '139 0000 0001' })).status).toBe(303);
    const third = await file(fms, '/request/lakeview', { phone: '13900000001' });
    expect(third.status).toBe(429);
    expect(third.page).toContain('Too many requests for this phone number or email address');
    expect(Number(third.retryAfter)).toBeGreaterThan(3000);
    // The first test filed once from this address, this one twice: one more, then the address is full.
    expect((await file(fms, '/request/lakeview', { phone: '13900000002' })).status).toBe(303);
    const full = await file(fms, '/request/lakeview', { phone: '13900000004', lang: 'zh-CN' });
    expect(full.status).toBe(429);
    expect(full.page).toContain('过去一小时内来自此网络的报事太多');
    const r = await refusals(fms);
    expect(r.rate_contact).toBe(1);
    expect(r.rate_address).toBe(1);
    // An hour later the address may file again.
    fms.advance(3_601_000);
    expect((await file(fms, '/request/lakeview', { phone: '13900000004' })).status).toBe(303);
  });

  it('an unknown or malformed tracking link is a 404, a link 30 days after closing a 410', async () => {
    const unknown = await fetch(`${fms.httpUrl}/track/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('We do not know this link');
    expect((await fetch(`${fms.httpUrl}/track/short`)).status).toBe(404);
    // An order filed, then cancelled by the service desk: its link works for 30 days, then says it expired.
    const r = await file(fms, '/request/lakeview', { phone: '13900000009' });
    const path = r.location!.replace('?filed=1', '');
    const id = (await orders(fms)).items[0].id;
    const cancel = await fetch(`${fms.httpUrl}/api/work-orders/${id}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'cancel', by: 'zhang-min', note: 'duplicate of a phone call' }),
    });
    expect(cancel.status).toBe(200);
    fms.advance(29 * 86_400_000);
    const still = await fetch(`${fms.httpUrl}${path}`);
    expect(still.status).toBe(200);
    expect(await still.text()).toContain('Cancelled by the management office.');
    fms.advance(2 * 86_400_000);
    const gone = await fetch(`${fms.httpUrl}${path}`, { headers: { 'accept-language': 'zh' } });
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('此链接已失效');
    const counts = await refusals(fms);
    expect(counts.unknown_token).toBe(2);
    expect(counts.expired_token).toBe(1);
  });
});

describe('with verification by SMS, a request needs the code sent to the phone', () => {
  let fms: Fms;
  beforeAll(async () => {
    fms = await startResidentsFms({ verify: 'sms', perAddressPerHour: 50 });
  }, 30_000);
  afterAll(() => fms?.stop());

  async function askCode(phone: string) {
    const { page } = await openForm(fms, '/request/riverside');
    const res = await fetch(`${fms.httpUrl}/request/riverside/code`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _form: formToken(page), phone }).toString(),
    });
    const body = await res.text();
    const code = /verification code is (\d{6})/.exec(fms.told.at(-1)!.message.text)?.[1];
    return { status: res.status, page: body, code: code!, token: formToken(body) };
  }

  it('asks for the code first, texts it, files with the right one and refuses a wrong one', async () => {
    expect((await openForm(fms, '/request/riverside')).page).toContain('Send me a code');
    const asked = await askCode('13700000001');
    expect(asked.status).toBe(200);
    expect(fms.told.at(-1)).toMatchObject({ to: { phone: '13700000001' }, message: { event: 'resident.code' } });
    expect(asked.page).toContain('We sent a 6-digit code to 13700000001');
    const wrongCode = asked.code === '000000' ? '111111' : '000000';
    const wrong = await file(fms, '/request/riverside', { phone: '13700000001', code: wrongCode, token: asked.token });
    expect(wrong.status).toBe(400);
    expect(wrong.page).toContain('The code is wrong. 4 tries left.');
    const right = await file(fms, '/request/riverside', { phone: '13700000001', code: asked.code, token: asked.token });
    expect(right.status).toBe(303);
    // Used once, it works no more.
    expect((await file(fms, '/request/riverside', { phone: '13700000001', code: asked.code, token: asked.token })).status).toBe(403);
  });

  it('a code is refused after 10 minutes, and after five wrong tries', async () => {
    const late = await askCode('13700000002');
    fms.advance(11 * 60_000);
    const expired = await file(fms, '/request/riverside', { phone: '13700000002', code: late.code, token: late.token });
    expect(expired.status).toBe(403);
    expect(expired.page).toContain('The code has expired or was never sent');
    const asked = await askCode('13700000003');
    const wrongCode = asked.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) expect((await file(fms, '/request/riverside', { phone: '13700000003', code: wrongCode, token: asked.token })).status).toBe(400);
    expect((await file(fms, '/request/riverside', { phone: '13700000003', code: wrongCode, token: asked.token })).status).toBe(403);
    // Even the right code is refused now: ask for a new one.
    const after = await file(fms, '/request/riverside', { phone: '13700000003', code: asked.code, token: asked.token });
    expect(after.status).toBe(403);
    expect(after.page).toContain('Too many wrong codes');
    const text = await (await fetch(`${fms.httpUrl}/metrics`)).text();
    expect(text).toMatch(/fms_resident_refusals_total\{reason="code_expired"\} 2/);
    expect(text).toMatch(/fms_resident_refusals_total\{reason="code_tries"\} 2/);
  });
});

describe('a form altered to carry many fields', () => {
  it('is refused as no request form, not as too many photos', async () => {
    const fms = await startResidentsFms();
    try {
      const token = formToken((await openForm(fms, '/request/riverside')).page);
      const form = new FormData();
      form.set('_form', token);
      for (let i = 0; i < 40; i++) form.set(`extra${i}`, 'x');
      const res = await fetch(`${fms.httpUrl}/request/riverside`, { method: 'POST', body: form, redirect: 'manual', headers: { 'accept-language': 'en' } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This page takes the request form only.');
      expect((await refusals(fms)).wrong_form).toBe(1);
    } finally {
      await fms.stop();
    }
  });
});
