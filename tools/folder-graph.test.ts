import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, folderGraph } from './folder-graph.ts';

const graphOf = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([a, bs]) => [a, new Map(bs.map((b) => [b, []]))]));

describe('the folder dependency check', () => {
  it('finds two folders that import each other, and a longer loop', () => {
    expect(cycles(graphOf({ alarms: ['work-orders', 'rules'], 'work-orders': ['alarms'], rules: ['shared'] }))).toEqual([['alarms', 'work-orders']]);
    expect(cycles(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
  });

  it('passes a layered graph', () => {
    expect(cycles(graphOf({ api: ['work-orders', 'alarms'], 'work-orders': ['alarms', 'shared'], alarms: ['rules', 'shared'], rules: ['shared'] }))).toEqual(
      [],
    );
  });

  it('finds no cycle between the folders of services/', () => {
    const graph = folderGraph(fileURLToPath(new URL('..', import.meta.url)));
    expect(graph.get('work-orders')?.has('alarms')).toBe(true); // it reads real imports
    expect(cycles(graph)).toEqual([]);
  });
});
