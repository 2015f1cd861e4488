// What the mutation run's test environment and sequencer share inside one Stryker worker (jest runs
// in band there, both load in the same realm): where the dry run wrote which file holds which test,
// and whether the current mutant has already been killed.
import process from 'node:process';

/** The dry run (no active mutant) records tests; a mutant run reads. */
export const activeMutant = () => process.env.__STRYKER_ACTIVE_MUTANT__;
export const testMapFile = () => process.env.MUTATION_TEST_MAP;
/** A test file's key that does not depend on which sandbox folder it runs in. */
export const fileKey = (path) => path.slice(path.lastIndexOf('/test/'));
const STATE = Symbol.for('cwm-billing.mutation-bail');
/** One flag per jest run: the sequencer resets it, the environment sets it at the first failure. */
export const bailState = () => (globalThis[STATE] ??= { killed: false });
