// The reward proposals' exports for the internal-affairs office, from a proposal written out here: the CSV (BOM,
// columns, quoting, the proposed numbered and the removed apart with the board's reason) and the DOCX (the words of
// the document, the criteria, both tables, the same bytes for the same input, English on request).
import { describe, expect, it } from 'vitest';
import { renderRewardsCsv, renderRewardsDocx } from '../../../controller/board/render-rewards.js';
import type { RewardCandidate, RewardFigures, RewardProposal } from '../../../controller/board/types.js';
import { legacyHeading } from '../../../controller/reports/heading.js';
import { zipText } from '../../support/zip.js';
import { at, HOSTILE } from '../reports/fixture.js';

const figures = (f: Partial<RewardFigures>): RewardFigures => ({
  rank: 1, score: 12.34, broadcastHours: 42.5, activeDays: 20, daysElapsed: 30, communesReached: 3, activities: 5, peopleReached: 1234, faults: 0, ...f,
});
const team = (c: Partial<RewardCandidate>): RewardCandidate => ({
  kind: 'team', id: 'team-a', name: 'Tổ A', teamId: 'team-a', teamName: 'Tổ A', communeName: 'Xã Dân Lực', figures: figures({}),
  reasons: [{ vi: 'Phát 42,5 giờ (tiêu chí ≥ 10 giờ)', en: 'Broadcast 42.5 hours (criterion ≥ 10 hours)' }],
  source: 'criteria', removed: null, added: null, ...c,
});
const DAY = at(12, 3, 9);

const PROPOSAL: RewardProposal = {
  period: '2026-11',
  criteria: { minHours: 10, minActiveRatio: 0.5, minCommunesReached: null, minActivities: 2, noFaults: true, topRanks: 3, minMemberActivities: 2 },
  computedAt: at(12, 2, 8),
  candidates: [
    team({}),
    team({ kind: 'member', id: '1', name: 'Nguyễn Thị Lan', figures: figures({ activities: 4, peopleReached: 300 }), reasons: [{ vi: 'Có mặt ở 4 hoạt động đã xác nhận (tiêu chí ≥ 2)', en: 'Present at 4 confirmed activities (criterion ≥ 2)' }] }),
    team({ id: 'team-b', name: HOSTILE, teamId: 'team-b', teamName: HOSTILE, communeName: 'Xã Dân Lý', figures: figures({ rank: 2, faults: 3 }), reasons: [], source: 'board', added: { reason: 'Chuyển tin báo, giúp bắt đối tượng', by: 'truong-ban', at: DAY } }),
    team({ id: 'team-c', name: 'Tổ C', teamId: 'team-c', teamName: 'Tổ C', communeName: 'Xã Xa Xôi', figures: figures({ rank: 3 }), removed: { reason: 'Chưa nộp báo cáo tháng', by: 'pho-ban', at: DAY }, added: null }),
  ],
};

/** The text of each paragraph of the document, tags dropped and entities decoded. */
function paragraphs(docx: Buffer): string[] {
  return zipText(docx, 'word/document.xml')
    .split('</w:p>')
    .map((p) => p.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'))
    .filter((p) => p !== '');
}

describe('renderRewardsCsv', () => {
  it('writes the proposed names numbered, then the removed ones with the board reason', () => {
    const csv = renderRewardsCsv(PROPOSAL, 'vi');
    expect(csv.startsWith('\uFEFFSTT,Loại,Tên,Tổ,Xã,Số liệu,Lý do,Ghi chú của Ban điều hành\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(6); // header, three proposed, one removed, and the empty string after the last CRLF
    expect(lines[1]).toBe('1,Tập thể,Tổ A,Tổ A,Xã Dân Lực,"Hạng 1, điểm 12,34; 42,5 giờ phát; 20/30 ngày hoạt động; đến 3 xã; 0 lỗi xe; 5 hoạt động, 1.234 lượt người","Phát 42,5 giờ (tiêu chí ≥ 10 giờ)",');
    expect(lines[2]).toBe('2,Cá nhân,Nguyễn Thị Lan,Tổ A,Xã Dân Lực,"Có mặt 4 hoạt động, 300 lượt người được tuyên truyền",Có mặt ở 4 hoạt động đã xác nhận (tiêu chí ≥ 2),');
    const hostile = `"${HOSTILE.replace(/"/g, '""')}"`;
    expect(lines[3]).toMatch(new RegExp(`^3,Tập thể,${escape(hostile)},${escape(hostile)},Xã Dân Lý,"Hạng 2,.*; 3 lỗi xe; .*",,"Ban điều hành bổ sung \\(truong-ban, 03/12/2026\\): Chuyển tin báo, giúp bắt đối tượng"$`));
    expect(lines[4]).toMatch(/^,Tập thể,Tổ C,Tổ C,Xã Xa Xôi,"Hạng 3, .*",".*","Ban điều hành không đề nghị \(pho-ban, 03\/12\/2026\): Chưa nộp báo cáo tháng"$/);
  });

  it('speaks English on request', () => {
    const csv = renderRewardsCsv(PROPOSAL, 'en');
    expect(csv).toMatch(/^\uFEFFNo\.,Kind,Name,Team,Commune,Figures,Reasons,Board's note\r\n1,Team,Tổ A,.*"Rank 1, score 12.34; 42.5 broadcast hours; active 20\/30 days; 3 communes; 0 cart faults; 5 activities, 1,234 people",Broadcast 42.5 hours/);
    expect(csv).toMatch(/,"Removed by the board \(pho-ban, 03\/12\/2026\): Chưa nộp báo cáo tháng"\r\n$/);
  });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('renderRewardsDocx', () => {
  it('is a proposal for the office with the criteria, the proposed names and, apart, the removed ones', async () => {
    const docx = await renderRewardsDocx(PROPOSAL, { lang: 'vi', heading: legacyHeading('Triệu Sơn'), issuedAt: DAY });
    const p = paragraphs(docx);
    const text = p.join('\n');
    // A list put to the body above for its decision: a submission (tờ trình, TTr), not a report.
    expect(p).toContain('TỜ TRÌNH');
    expect(p).not.toContain('BÁO CÁO');
    expect(p).toContain('Số:        /TTr-BĐH');
    expect(p).toContain('Danh sách đề nghị khen thưởng tập thể, cá nhân');
    expect(p).toContain('tháng 11/2026');
    expect(p).toContain('Kính gửi: Văn phòng (bộ phận Thi đua – Khen thưởng).');
    expect(p).toContain('Triệu Sơn, ngày 03 tháng 12 năm 2026');
    expect(p).toContain('- Số giờ phát thanh của các xe loa của tổ trong kỳ từ 10 giờ trở lên.');
    expect(p).toContain('- Số ngày hoạt động từ 50 % số ngày của kỳ trở lên.');
    expect(p).toContain('- Không có lỗi xe loa trong kỳ.');
    expect(p).toContain('- Nằm trong 3 hạng đầu của bảng xếp hạng thi đua.');
    expect(p).toContain('- Cá nhân: thành viên của tổ được đề nghị, có mặt ở từ 2 hoạt động đã xác nhận trở lên.');
    expect(text).not.toMatch(/xe loa của tổ đến từ/); // the communes criterion is not applied
    expect(p).toContain('Gồm 2 tập thể và 1 cá nhân.');
    const second = p.indexOf('II. DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG');
    const third = p.indexOf('III. CÁC TRƯỜNG HỢP BAN ĐIỀU HÀNH KHÔNG ĐỀ NGHỊ');
    expect(second).toBeGreaterThan(0);
    expect(third).toBeGreaterThan(second);
    const proposed = p.slice(second, third);
    expect(proposed).toContain('Tập thể: Tổ A');
    expect(proposed).toContain('Cá nhân: Nguyễn Thị Lan');
    expect(proposed).toContain(`Tập thể: ${HOSTILE}`);
    expect(proposed).toContain('Ban điều hành bổ sung (truong-ban, 03/12/2026): Chuyển tin báo, giúp bắt đối tượng');
    expect(proposed).not.toContain('Tập thể: Tổ C');
    const removed = p.slice(third);
    expect(removed).toContain('Tập thể: Tổ C');
    expect(removed).toContain('Ban điều hành không đề nghị (pho-ban, 03/12/2026): Chưa nộp báo cáo tháng');
    expect(zipText(docx, 'word/document.xml')).not.toContain('<script>');
  });

  it('gives the same bytes for the same input, and English on request', async () => {
    const o = { lang: 'vi' as const, heading: legacyHeading('Triệu Sơn') };
    const a = await renderRewardsDocx(PROPOSAL, o);
    await new Promise((r) => setTimeout(r, 1100)); // a second later: the zip's own clock would show
    expect((await renderRewardsDocx(PROPOSAL, o)).equals(a)).toBe(true);
    const en = paragraphs(await renderRewardsDocx(PROPOSAL, { lang: 'en', heading: legacyHeading('Triệu Sơn') }));
    expect(en).toContain('II. PROPOSED FOR A REWARD');
    expect(en).toContain('To: the Office (emulation and rewards section).');
    expect(en).toContain('Triệu Sơn, 2 December 2026'); // issued when computed by default
  });
});
