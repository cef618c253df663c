/**
 * Which hub region a country belongs to, for partner records (docs/domain.md "The region of a record": a partner record belongs
 * to the region that holds most of its countries). Africa; Middle East & North Africa; Asia & South Pacific; Europe
 * (including the Caucasus, Central Asia, Russia, Türkiye and Israel, as INTERPOL's European region does). Countries of
 * the Americas and the Caribbean belong to none of the four hubs' regions.
 */
export const REGION_CODES = ['AFR', 'MDE', 'ASI', 'EUR'] as const;
export type RegionCode = (typeof REGION_CODES)[number] | 'GLB';

const MEMBERS: Record<(typeof REGION_CODES)[number], readonly string[]> = {
  AFR: [
    'AO',
    'BF',
    'BI',
    'BJ',
    'BW',
    'CD',
    'CF',
    'CG',
    'CI',
    'CM',
    'CV',
    'DJ',
    'EH',
    'ER',
    'ET',
    'GA',
    'GH',
    'GM',
    'GN',
    'GQ',
    'GW',
    'KE',
    'KM',
    'LR',
    'LS',
    'MG',
    'ML',
    'MR',
    'MU',
    'MW',
    'MZ',
    'NA',
    'NE',
    'NG',
    'RE',
    'RW',
    'SC',
    'SD',
    'SH',
    'SL',
    'SN',
    'SO',
    'SS',
    'ST',
    'SZ',
    'TD',
    'TG',
    'TZ',
    'UG',
    'YT',
    'ZA',
    'ZM',
    'ZW',
  ],
  MDE: ['AE', 'BH', 'DZ', 'EG', 'IQ', 'IR', 'JO', 'KW', 'LB', 'LY', 'MA', 'OM', 'PS', 'QA', 'SA', 'SY', 'TN', 'YE'],
  ASI: [
    'AF',
    'AS',
    'AU',
    'BD',
    'BN',
    'BT',
    'CC',
    'CK',
    'CN',
    'CX',
    'FJ',
    'FM',
    'GU',
    'HK',
    'HM',
    'ID',
    'IN',
    'IO',
    'JP',
    'KH',
    'KI',
    'KP',
    'KR',
    'LA',
    'LK',
    'MH',
    'MM',
    'MN',
    'MO',
    'MP',
    'MV',
    'MY',
    'NC',
    'NF',
    'NP',
    'NR',
    'NU',
    'NZ',
    'PF',
    'PG',
    'PH',
    'PK',
    'PN',
    'PW',
    'SB',
    'SG',
    'TH',
    'TK',
    'TL',
    'TO',
    'TV',
    'TW',
    'UM',
    'VN',
    'VU',
    'WF',
    'WS',
  ],
  EUR: [
    'AD',
    'AL',
    'AM',
    'AT',
    'AX',
    'AZ',
    'BA',
    'BE',
    'BG',
    'BY',
    'CH',
    'CY',
    'CZ',
    'DE',
    'DK',
    'EE',
    'ES',
    'FI',
    'FO',
    'FR',
    'GB',
    'GE',
    'GG',
    'GI',
    'GL',
    'GR',
    'HR',
    'HU',
    'IE',
    'IL',
    'IM',
    'IS',
    'IT',
    'JE',
    'KG',
    'KZ',
    'LI',
    'LT',
    'LU',
    'LV',
    'MC',
    'MD',
    'ME',
    'MK',
    'MT',
    'NL',
    'NO',
    'PL',
    'PT',
    'RO',
    'RS',
    'RU',
    'SE',
    'SI',
    'SJ',
    'SK',
    'SM',
    'TJ',
    'TM',
    'TR',
    'UA',
    'UZ',
    'VA',
  ],
};

const REGION_OF = new Map<string, (typeof REGION_CODES)[number]>(
  REGION_CODES.flatMap((r) => MEMBERS[r].map((c) => [c, r] as const)),
);

export function regionOfCountry(country: string): (typeof REGION_CODES)[number] | undefined {
  return REGION_OF.get(country);
}

/**
 * The region a record counts under: a hub's record under its hub's region, whatever its countries; a partner's under
 * the region holding most of its countries (ties: AFR, MDE, ASI, EUR); `GLB` when none of its countries is in a region.
 */
export function regionOfRecord(reportingOrgRef: string, countries: readonly string[]): RegionCode {
  const hub = /^IP-HUB-(AFR|MDE|ASI|EUR)$/.exec(reportingOrgRef);
  if (hub) return hub[1] as RegionCode;
  const counts = new Map<string, number>();
  for (const c of countries) {
    const r = REGION_OF.get(c);
    if (r) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  let best: RegionCode = 'GLB';
  let bestCount = 0;
  for (const r of REGION_CODES) {
    const n = counts.get(r) ?? 0;
    if (n > bestCount) {
      best = r;
      bestCount = n;
    }
  }
  return best;
}
