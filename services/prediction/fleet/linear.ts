/**
 * Least squares with a small ridge, by the normal equations: enough for a few dozen features and a
 * few tens of thousands of rows, with no numeric library.
 */

/** Solves A·x = b (A square, row-major copies) by Gaussian elimination with partial pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const d = M[c]![c]!;
    if (Math.abs(d) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}

/**
 * Ridge regression y ≈ w·x + w0 (the intercept is not penalised). `lambda` is relative to the number
 * of rows, so it means the same for any data size.
 */
export function ridge(X: readonly (readonly number[])[], y: readonly number[], lambda = 1e-3): { w: number[]; w0: number } {
  const p = X[0]!.length + 1;
  const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const b = new Array<number>(p).fill(0);
  for (let i = 0; i < X.length; i++) {
    const x = [...X[i]!, 1];
    for (let r = 0; r < p; r++) {
      b[r]! += x[r]! * y[i]!;
      for (let c = r; c < p; c++) A[r]![c]! += x[r]! * x[c]!;
    }
  }
  for (let r = 0; r < p; r++) for (let c = 0; c < r; c++) A[r]![c] = A[c]![r]!;
  for (let r = 0; r < p - 1; r++) A[r]![r]! += lambda * X.length;
  const sol = solve(A, b);
  return { w: sol.slice(0, -1), w0: sol[p - 1]! };
}
