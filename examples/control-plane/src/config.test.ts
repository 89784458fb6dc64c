import { describe, expect, it } from 'vitest';
import { parseConfig, systemIds } from './config.js';

describe('parseConfig', () => {
  it('uses the defaults of the contract', () => {
    const c = parseConfig([], {});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, topic: 'control-plane.events', database: 'control_plane', systems: 6, kafkaBootstrap: '127.0.0.1:9092' });
    expect(c.mariadb).toEqual({ host: '127.0.0.1', port: 3306, user: 'tester', password: 'tester' });
    expect(c.misbehave.size).toBe(0);
    expect(c.readyFile).toBeUndefined();
  });

  it('takes flags over CP_* variables over defaults', () => {
    const c = parseConfig(['--port', '0', '--misbehave', 'no-recovery,stale-metrics'], { CP_PORT: '9999', CP_TOPIC: 't1', CP_MISBEHAVE: 'duplicate-events' });
    expect(c.port).toBe(0);
    expect(c.topic).toBe('t1');
    expect([...c.misbehave]).toEqual(['no-recovery', 'stale-metrics']);
  });

  it('names the flag, the variable and the accepted values when a value is wrong', () => {
    expect(() => parseConfig(['--misbehave', 'sleepy'], {})).toThrow('--misbehave / CP_MISBEHAVE: unknown switch "sleepy"; accepted: no-recovery, duplicate-events');
    expect(() => parseConfig([], { CP_SYSTEMS: 'six' })).toThrow('--systems / CP_SYSTEMS: expected a whole number from 1 to 64, got "six"');
    expect(() => parseConfig(['--database', 'a-b'], {})).toThrow('--database / CP_DATABASE: "a-b" must be 1-64 letters, digits or _');
  });
});

describe('systemIds', () => {
  it('names the systems mysql, mysql-2 … mysql-N', () => {
    expect(systemIds(3)).toEqual(['mysql', 'mysql-2', 'mysql-3']);
  });
});
