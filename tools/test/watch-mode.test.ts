import { refuseWatchMode } from './support/watch-mode';

describe('the test run', () => {
  it('refuses watch mode, whose kept workers would test the packages as they were loaded', () => {
    expect(() => refuseWatchMode({ watch: true })).toThrow('jest --watch is not supported');
    expect(() => refuseWatchMode({ watchAll: true })).toThrow('jest --watch is not supported');
    expect(() => refuseWatchMode({ watch: false, watchAll: false })).not.toThrow();
  });
});
