import { describe, expect, it } from 'vitest';
import { problems, runOf } from '../../test/harness';

describe('events where: CEL', () => {
  it('a CEL expression over the event', () => {
    const run = withEvents(runOf('events', { where: 'event.type == "STATE_CHANGED" && payload.to == DISCONNECTED', type: 'STATE_CHANGED', exists: true }));
    expect(run.verdict()).toMatchObject({ status: 'passed' });
    // where applies to order too: an order across types needs a where that admits each of them.
    const ordered = withEvents(runOf('events', { where: 'payload.to == DISCONNECTED || event.type == "CONNECTION_RESTORED"', order: ['STATE_CHANGED', 'CONNECTION_RESTORED'] }));
    expect(ordered.verdict()).toMatchObject({ status: 'passed' });
    const narrowed = withEvents(runOf('events', { where: 'payload.to == DISCONNECTED', order: ['STATE_CHANGED', 'CONNECTION_RESTORED'] })).close().verdict();
    expect(narrowed).toMatchObject({ status: 'failed' });
    const none = withEvents(runOf('events', { type: 'STATE_CHANGED', where: 'event.payload.to == "RECOVERING"', exists: true })).close().verdict();
    expect(none.status).toBe('failed');
    expect(problems('events', { type: 'X', exists: true, where: 'payload.to ==' }).join('\n')).toMatch(/where: invalid CEL expression/);
  });
});

function withEvents<T extends ReturnType<typeof runOf>>(run: T): T {
  run.at(1000).open().startFault();
  run.at(1300).stateChanged('CONNECTED', 'DISCONNECTED');
  run.at(4300).event('CONNECTION_RESTORED', { id: 'r1' });
  return run;
}
