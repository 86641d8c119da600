import { OutageReport } from '@platform/service-kit';

test('an outage is told once when it starts and once when it ends, whatever the number of failed polls', () => {
  const told: string[] = [];
  const outage = new OutageReport({ down: (error) => told.push(`down: ${error.message}`), up: () => told.push('up') });
  outage.succeeded();
  outage.failed(new Error('connect ECONNREFUSED'));
  outage.failed(new Error('still refused'));
  expect(outage.isDown).toBe(true);
  outage.succeeded();
  outage.succeeded();
  outage.failed('a string thrown');
  expect(told).toEqual(['down: connect ECONNREFUSED', 'up', 'down: a string thrown']);
  expect(outage.isDown).toBe(true);
});
