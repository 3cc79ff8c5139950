import { requireFiles } from '../../testing/harness.ts';
import type { FontFamily } from '../report-font.ts';

/**
 * The font files the PDF tests draw with, named explicitly so a test's outcome does not depend on
 * what else the host has installed (.ci/run installs the three packages).
 */
const dir = '/usr/share/fonts/truetype';
/** DejaVu Sans (fonts-dejavu-core): Latin, no Chinese. */
export const dejavu: FontFamily = { regular: { path: `${dir}/dejavu/DejaVuSans.ttf` }, bold: { path: `${dir}/dejavu/DejaVuSans-Bold.ttf` } };
/** Droid Sans Fallback (fonts-droid-fallback, pulled in by Ghostscript): Chinese, no Latin. */
export const droid: FontFamily = { regular: { path: `${dir}/droid/DroidSansFallbackFull.ttf` } };
/** WenQuanYi Micro Hei (fonts-wqy-microhei): Chinese and Latin, one face of a collection. */
export const wqy: FontFamily = { regular: { path: `${dir}/wqy/wqy-microhei.ttc`, face: 'WenQuanYiMicroHei' } };

/** Whether the test fonts are installed; in CI a missing one fails the run (harness.requireFiles). */
export function requireTestFonts(): { available: boolean; reason: string } {
  const files = [dejavu, droid, wqy].flatMap((f) => [f.regular.path, ...(f.bold ? [f.bold.path] : [])]);
  return requireFiles(files, 'fonts-dejavu-core fonts-droid-fallback fonts-wqy-microhei');
}
