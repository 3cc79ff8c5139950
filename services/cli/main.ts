/**
 * `npm run fms -- <command>`: tools for operators and rule authors.
 *
 *   rules test <file.yaml>...   run rule tests (see docs/rules.md)
 *   report [--site …] [--from …] [--to …]   make a maintenance report (see docs/reports.md)
 */
import { loadDefaultRules, loadRuleFile } from '../rules/rule-loader.ts';
import { loadRuleTestFile, runRuleTest } from '../rules/rule-test.ts';
import { runReportCli } from './report.ts';

const usage = `Usage: npm run fms -- rules test <file.yaml>...
       npm run fms -- report [--site ID] [--from DATE] [--to DATE] [--language en|zh] [--out DIR]

  rules test   feed each test's readings and events through the rules and compare the alarms
               raised and cleared with the expected ones (docs/rules.md, "Testing rules")
  report       make a maintenance report from FMS's data (docs/reports.md); --help for its options`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'report') return runReportCli(argv.slice(1), process.env);
  const [group, command, ...files] = argv;
  if (group !== 'rules' || command !== 'test' || files.length === 0) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const defaults = loadDefaultRules();
  let failed = 0;
  let passed = 0;
  for (const file of files) {
    let loaded;
    try {
      loaded = loadRuleTestFile(file, defaults, loadRuleFile);
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      return 2;
    }
    process.stdout.write(`${file}\n`);
    for (const test of loaded.tests) {
      const r = runRuleTest(loaded.rules, test, loaded.baseDir);
      if (r.passed) {
        passed++;
        process.stdout.write(`  ✓ ${r.name}\n`);
        continue;
      }
      failed++;
      process.stdout.write(
        `  ✗ ${r.name}\n    expected:\n${r.expected.map((l) => `      ${l}`).join('\n') || '      (no alarm)'}\n    got:\n${r.actual.map((l) => `      ${l}`).join('\n') || '      (no alarm)'}\n`,
      );
    }
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
