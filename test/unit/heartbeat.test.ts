import { coalesced } from '../../src/engine/step';

/** A step's heartbeat: at most one SDK heartbeat per 200 ms, and never without the latest checkpoint. */
describe('coalesced heartbeats', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first at once, folds those within 200 ms into one that carries the latest details', () => {
    const sent: unknown[] = [];
    let details = 'cursor 1';
    const heartbeat = coalesced(
      (d) => sent.push(d),
      () => details,
    );
    heartbeat();
    expect(sent).toEqual(['cursor 1']);
    details = 'cursor 2';
    heartbeat();
    details = 'cursor 3';
    heartbeat();
    expect(sent).toEqual(['cursor 1']); // within the gap: none yet
    jest.advanceTimersByTime(200);
    expect(sent).toEqual(['cursor 1', 'cursor 3']); // one, with the last checkpoint
    jest.advanceTimersByTime(1000);
    expect(sent).toHaveLength(2); // nothing asked for: nothing sent
    heartbeat();
    expect(sent).toEqual(['cursor 1', 'cursor 3', 'cursor 3']); // past the gap: at once again
  });
});
