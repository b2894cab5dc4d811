import { navFor } from '../../src/web/view-helpers';

const current = (roles: Parameters<typeof navFor>[0], path: string) => navFor(roles, path).filter((i) => i.on).map((i) => i.href);

it('marks exactly one tab: the longest path the page lies under', () => {
  expect(current(['principal'], '/results/pending')).toEqual(['/results/pending']);
  expect(current(['principal'], '/results/class/7')).toEqual(['/results']);
  expect(current(['principal'], '/results')).toEqual(['/results']);
  expect(current(['principal'], '/resultsx')).toEqual([]);
  expect(current(['inspector'], '/audit/verify')).toEqual(['/audit']);
});
