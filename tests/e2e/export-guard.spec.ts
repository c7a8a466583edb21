// Journey: text attributes that begin like spreadsheet formulas (`=`, `+`, `-`, `@`) go out in an
// export guarded with `'` (so a spreadsheet shows them as text), and the same file imported back gives
// exactly the values the customers had, a value that itself starts with `'=` included.
import { expect, test } from '@playwright/test';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerPage } from './customer-pages';
import { ListUploadPanel, StaticSegmentPage } from './lists-pages';
import { expectAccessible, ImportPage, parseCsv } from './pages';

// `''=quoted` in a file is the text `'=quoted` (one guard quote dropped).
const CUSTOMERS = [
  'customer_id,handle,formula,note',
  'G1,@alice,=SUM(A1),-foo',
  'G2,@bob,+1 555 0100,-3',
  "G3,plain,''=quoted,@",
  ''
].join('\n');

const VALUES: Record<string, Record<string, string>> = {
  G1: { handle: '@alice', formula: '=SUM(A1)', note: '-foo' },
  G2: { handle: '@bob', formula: '+1 555 0100', note: '-3' },
  G3: { handle: 'plain', formula: "'=quoted", note: '@' }
};

async function saveText(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'guard-e2e-')), name);
  await writeFile(path, text);
  return path;
}

async function expectValues(page: CustomerPage): Promise<void> {
  for (const [id, attributes] of Object.entries(VALUES)) {
    await page.open(id);
    for (const [key, value] of Object.entries(attributes))
      await expect(page.attribute(key), `${id} ${key}`).toHaveText(value);
  }
}

test('formula-like text is exported guarded and imports back exactly as it was', async ({
  page
}) => {
  const importPage = new ImportPage(page);
  await importPage.open();
  await importPage.importFile(await saveText('guarded.csv', CUSTOMERS));
  await expect(page.getByTestId('count-inserted')).toHaveText('3');
  const customer = new CustomerPage(page);
  await expectValues(customer);

  // A static segment of the three, exported with the three text columns.
  await page.goto('/segments');
  await page.getByRole('link', { name: 'New from a list' }).click();
  const upload = new ListUploadPanel(page);
  await upload.choose('all.csv', 'customer_id\nG1\nG2\nG3\n');
  await upload.create('Guarded');
  const segment = new StaticSegmentPage(page);
  await expect(segment.memberCount()).toHaveText('3');
  const file = await segment.exportColumns(['handle', 'formula', 'note'], {
    segment: false,
    enteredAt: false
  });
  expect(parseCsv(file.text)).toEqual([
    ['customer_id', 'handle', 'formula', 'note'],
    ['G1', "'@alice", "'=SUM(A1)", "'-foo"],
    ['G2', "'@bob", "'+1 555 0100", "'-3"],
    ['G3', 'plain', "''=quoted", "'@"]
  ]);

  // Back in through the import: the same three customers, the same text.
  await importPage.open();
  await importPage.importFile(await saveText(file.fileName, file.text));
  await expect(page.getByTestId('count-updated')).toHaveText('3');
  await expect(page.getByTestId('count-rejected')).toHaveText('0');
  await expectAccessible(page);
  await expectValues(customer);
});
