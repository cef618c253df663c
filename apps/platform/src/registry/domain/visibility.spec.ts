import { isRestrictedVisibility, maySee, RESTRICTED_READER, SHAREABLE_READER } from './visibility';

describe('record visibility', () => {
  it.each([
    ['PARTNER_SHAREABLE', false],
    ['INTERPOL_RESTRICTED', true],
    [undefined, true],
    [null, true],
    ['', true],
    ['partner_shareable', true],
    ['SOMETHING_NEW', true],
  ])('%j is restricted: %s (anything but PARTNER_SHAREABLE is)', (visibility, restricted) => {
    expect(isRestrictedVisibility(visibility)).toBe(restricted);
  });

  it('shows restricted records only to restricted readers', () => {
    expect(maySee(RESTRICTED_READER, true)).toBe(true);
    expect(maySee(RESTRICTED_READER, false)).toBe(true);
    expect(maySee(SHAREABLE_READER, true)).toBe(false);
    expect(maySee(SHAREABLE_READER, false)).toBe(true);
  });
});
