/** A province deployment's configuration (Thanh Hóa, code 38 of the 2025 list), through the configuration's own check. */
import { validateControllerConfig } from '../../../controller/app/config.js';
import { reportHeading } from '../../../controller/reports/heading.js';

export const THANH_HOA = validateControllerConfig({
  district: { id: 'thanh-hoa', name: 'Thanh Hóa' },
  scope: { kind: 'province', name: 'Thanh Hóa', province: { code: '38', name: 'Thanh Hóa' } },
  reportHeading: {
    issuers: ['CÔNG AN TỈNH THANH HÓA', 'ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA'],
    addressees: ['Công an tỉnh Thanh Hóa (PV05)', 'Tỉnh đoàn Thanh Hóa'],
    signer: { name: 'Lê Văn Tỉnh' },
  },
});

export const PROVINCE_HEADING = reportHeading(THANH_HOA);
