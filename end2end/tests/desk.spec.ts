import { test, expect } from '@playwright/test';
import { JINSHAN, loggedIn, registerUnit, snap, waitLive } from './helpers';

// The steward's loop: a resident's message arrives from a chat group (the
// bridge posts it to the API) and appears on the open desk at once with its
// reply timer running; the steward turns it into an incident; a unit is
// sent and the incident resolved (API); the desk offers the "handled" reply,
// which the steward sends: the loop is closed.
test('a chat message becomes an incident and the loop is closed from the desk', async ({ browser, request }, info) => {
  // the demo's steward, logged in: the desk records them as who answered
  const steward = await loggedIn(browser, 'steward', undefined, { viewport: { width: 1600, height: 1000 } });
  const page = await steward.newPage();
  await page.goto('/desk');
  await waitLive(page);
  await expect(page.locator('.session-bar .session-name')).toHaveText('steward');

  const messageId = `e2e-${Date.now()}`;
  const text = '@临桂公安 金山广场有两个人吵架，快打起来了 <b>急</b>';
  const r = await request.post('/api/v1/chat/messages', {
    data: {
      group_id: 'jsl-shops-01', group_name: '金水路商户群', message_id: messageId,
      sender_name: '张老板', sender_phone: '13977305555', text, ...JINSHAN,
      sent_at: new Date().toISOString(),
    },
  });
  expect(r.status(), await r.text()).toBe(201);
  const id = (await r.json()).id;

  // live, newest first, with the reply timer counting down
  const card = page.locator(`.chat-card[data-message-id="${id}"]`);
  await expect(card).toBeVisible({ timeout: 2_000 });
  await expect(page.locator('.chat-card').first()).toHaveAttribute('data-message-id', String(id));
  await expect(card.locator('.chat-text')).toHaveText(text); // as text, not markup
  const timer = card.locator('.reply-timer');
  await expect(timer).toHaveAttribute('data-level', 'green');
  const first = await timer.textContent();
  await expect(timer).not.toHaveText(first ?? '', { timeout: 3_000 });

  // select it: the triage proposal (a fight beats a dispute) is preselected
  await card.locator('a').click();
  const detail = page.locator(`.message-detail[data-message-id="${id}"]`);
  await expect(detail).toBeVisible();
  await expect(detail.locator('.proposal')).toHaveAttribute('data-category', 'fight');
  await expect(detail.locator('#convert-category')).toHaveValue('fight');
  await snap(page, info, 'desk-new-message');

  // convert in one step
  await detail.locator('button.convert-button').click();
  const linked = page.locator('.message-detail .linked-incident');
  await expect(linked).toBeVisible({ timeout: 5_000 });
  const incident = await linked.getAttribute('data-incident-id');
  expect(incident).toBeTruthy();
  const one = await (await request.get(`/api/v1/incidents/${incident}`)).json();
  expect(one.channel).toBe('chat');
  expect(one.category).toBe('fight');
  await expect(timer).toContainText('✓'); // the reply sent with it stopped the timer

  // a unit is sent and the incident resolved elsewhere
  // not at the square itself: once back available it must not tie with the
  // units other tests place there and expect to be recommended first
  const unit = await registerUnit(request, { lat: JINSHAN.lat + 0.003, lon: JINSHAN.lon });
  const a = await request.post(`/api/v1/incidents/${incident}/assign`, { data: { unit_id: unit.id } });
  expect(a.status(), await a.text()).toBe(200);
  await expect(linked).toHaveAttribute('data-incident-status', 'dispatched', { timeout: 5_000 });
  const s = await request.post(`/api/v1/incidents/${incident}/status`, { data: { status: 'resolved' } });
  expect(s.status(), await s.text()).toBe(200);

  // the desk offers the "handled" reply, live
  const closeButton = page.locator('button.close-loop');
  await expect(closeButton).toBeVisible({ timeout: 5_000 });
  await expect(page.locator('#closing-text')).toHaveValue('已处理，谢谢。');
  await snap(page, info, 'desk-offers-closing');
  await closeButton.click();
  await expect(page.locator('.message-detail .loop-closed')).toBeVisible({ timeout: 5_000 });
  await expect(closeButton).toHaveCount(0);
  const d = await (await request.get(`/api/v1/chat/messages/${id}`)).json();
  expect(d.message.loop_closed_at).toBeTruthy();
  expect(d.replies.map((x: { kind: string }) => x.kind)).toEqual(['answer', 'closing']);
  expect(d.replies.map((x: { steward: string }) => x.steward)).toEqual(['steward', 'steward']);
  await snap(page, info, 'desk-loop-closed');
});
