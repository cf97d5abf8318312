import { test as setup, expect } from '@playwright/test';
import { DEMO_PASSWORD } from './helpers';

// The administrator's session, saved for every test's default context.
setup('log the administrator in', async ({ request }) => {
  const r = await request.post('/api/v1/session', { data: { name: 'admin', password: DEMO_PASSWORD } });
  expect(r.status(), await r.text()).toBe(200);
  await request.storageState({ path: '.auth/admin.json' });
});
