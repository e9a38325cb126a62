import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

/** docs/settlement.md shows merchants the flush script the settlement policy suite runs; they must not drift apart. */
describe('docs/settlement.md', () => {
  it('quotes docs/examples/flush-deposit-address.mjs exactly', () => {
    const docs = readFileSync(path.join(ROOT, 'docs/settlement.md'), 'utf8');
    const script = readFileSync(path.join(ROOT, 'docs/examples/flush-deposit-address.mjs'), 'utf8');
    expect(docs).toContain(`\`\`\`js\n${script}\`\`\``);
  });
});
