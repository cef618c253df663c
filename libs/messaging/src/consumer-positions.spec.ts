import { rewindDecision } from './consumer-positions';

describe('rewindDecision', () => {
  it('leaves a consumer alone when the database recorded no position (a new database, or one from before positions)', () => {
    expect(rewindDecision(undefined, 500, 1)).toEqual({ rewind: false, why: 'no position recorded' });
  });

  it('leaves it alone when the broker has acknowledged no further than the database recorded', () => {
    expect(rewindDecision(500, 500, 1)).toEqual({ rewind: false, why: 'database not behind' });
    // Behind the database: the broker redelivers what it has not seen acknowledged; the inbox drops it.
    expect(rewindDecision(500, 120, 1)).toEqual({ rewind: false, why: 'database not behind' });
  });

  it('replays from the message after the recorded position when the broker acknowledged past it (a restore)', () => {
    expect(rewindDecision(120, 500, 1)).toEqual({ rewind: true, from: 121 });
    expect(rewindDecision(0, 3, 1)).toEqual({ rewind: true, from: 1 });
  });

  it("leaves it alone after an ordinary restart: the database decided messages up to the broker's ack floor", () => {
    // Recorded a few seconds ago (120), but the inbox holds decisions up to 500 or beyond: nothing was lost.
    expect(rewindDecision(120, 500, 1, 500)).toEqual({ rewind: false, why: 'database not behind' });
    expect(rewindDecision(120, 500, 1, 530)).toEqual({ rewind: false, why: 'database not behind' });
    // The restored inbox stops at 160: what the broker acknowledged after it is gone.
    expect(rewindDecision(120, 500, 1, 160)).toEqual({ rewind: true, from: 121 });
  });

  it("says which sequences are lost when the stream no longer keeps them, and starts at the stream's first", () => {
    expect(rewindDecision(120, 500, 300)).toEqual({ rewind: true, from: 300, lost: [121, 299] });
    expect(rewindDecision(120, 500, 121)).toEqual({ rewind: true, from: 121 });
  });
});
