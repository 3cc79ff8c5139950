import type { RunHistory } from './fleet-model.ts';

/**
 * Reads a C-MAPSS file (Saxena & Goebel 2008): space-separated rows `unit cycle op1 op2 op3 s1 … s21`.
 * Each unit becomes a history of its sensor rows in cycle order (operating settings dropped: FD001
 * has a single operating condition).
 */
export function parseCmapss(text: string): RunHistory[] {
  const units = new Map<number, number[][]>();
  for (const line of text.split(/\r?\n/)) {
    const cells = line.trim().split(/\s+/).map(Number);
    if (cells.length < 26) continue;
    const unit = cells[0]!;
    if (!units.has(unit)) units.set(unit, []);
    units.get(unit)!.push(cells.slice(5, 26));
  }
  return [...units.entries()].map(([unit, rows]) => ({ id: String(unit), rows }));
}

/**
 * The sensors that carry the degradation in FD001 (the datasets README: s2, s3, s4, s7, s8, s9, s11,
 * s12, s13, s14, s15, s17, s20, s21; the others are constant), as 0-based indexes into s1…s21.
 */
export const FD001_SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21].map((s) => s - 1);
