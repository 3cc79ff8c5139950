import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { assetBoard } from './boards/asset.ts';
import { elevatorsBoard } from './boards/elevators.ts';
import { gatesBoard } from './boards/gates.ts';
import { overviewBoard } from './boards/overview.ts';
import { pumpsBoard } from './boards/pumps.ts';

/** Every board, by the file name it is generated to under dashboards/generated/. */
export function buildBoards(): Record<string, Dashboard> {
  return {
    'overview.json': overviewBoard().build(),
    'pumps.json': pumpsBoard().build(),
    'elevators.json': elevatorsBoard().build(),
    'gates.json': gatesBoard().build(),
    'asset.json': assetBoard().build(),
  };
}

/** The JSON committed for a board (stable key order, trailing newline). */
export function toJson(board: Dashboard): string {
  return JSON.stringify(board, null, 2) + '\n';
}
