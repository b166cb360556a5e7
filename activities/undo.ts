import type { UndoInput, UndoProgressState, UndoStepOutcome } from '../src/definitions';
import { runUndoStep } from '../src/engine/undo-step';
import type { Dependencies } from '../src/runtime';
import { recordUndoState } from '../src/requests/undo';
import { asActivity } from './hooks';

/**
 * The undo workflow's activities (workflows/undo-request.ts): one step of take-backs (the engine's
 * src/engine/undo-step.ts), and the undo's state kept for the API (src/requests/undo.ts).
 */
export function createUndoActivities(deps: Dependencies) {
  return {
    /** Lists the take-backs (first step), then takes back what is left until the step's deadline. */
    undoStep: (input: UndoInput): Promise<UndoStepOutcome> =>
      asActivity((hooks) => runUndoStep(deps, input, hooks)),
    /** Keeps request_undos current on every state change of the undo. */
    recordUndoState: (progress: UndoProgressState): Promise<void> => recordUndoState(deps.db, progress),
  };
}
