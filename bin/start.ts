/**
 * `npm start`: FMS (services/main.ts), or with `--demo` FMS with a simulated estate
 * (simulators/demo-main.ts). The service itself never loads the simulators.
 */
import { fail } from '../services/main.ts';

const argv = process.argv.slice(2);
if (argv.includes('--demo')) {
  const [{ runFms }, { demoAddOn }] = await Promise.all([import('../services/main.ts'), import('../simulators/demo-main.ts')]);
  await runFms(argv, demoAddOn).catch(fail);
} else {
  const { runFms } = await import('../services/main.ts');
  await runFms(argv).catch(fail);
}
