import { describe, expect, it } from 'vitest';
import { retarget, retargetExpression } from './retarget';

describe('retarget', () => {
  it('renames the system everywhere it is referenced, and nothing else', () => {
    const text = `# keep me
name: mysql_failure
systems: [mysql]
preconditions:
  - mysql.state == CONNECTED
actions:
  - id: cut-mysql
    type: DRIFT
    resource: mysql.max_connections
    system: mysql
expectations:
  states:
    - system: mysql # trailing comment
      final_state: CONNECTED
  events:
    - where: { payload.resource: mysql.max_connections }
      order: [DRIFT_DETECTED, DRIFT_RECONCILED]
    - system: mysql
      where: 'system == "mysql" && payload.policyId == "auto-recover"'
      count: 1
  metrics:
    - name: cp_state_transitions_total
      labels: { system: mysql, to: CONNECTED }
      value: ">= 1"
    - query: sum(x{system="mysql"}) - sum(x{system="mysql-2"})
      value: ">= 1"
  policies:
    - policy_id: auto-recover
      system: mysql
      should_fire: false
`;
    expect(retarget(text, { systems: { mysql: 'mysql-7' }, name: 'm7' })).toBe(`# keep me
name: m7
systems: [mysql-7]
preconditions:
  - systems["mysql-7"].state == "CONNECTED"
actions:
  - id: cut-mysql
    type: DRIFT
    resource: mysql-7.max_connections
    system: mysql-7
expectations:
  states:
    - system: mysql-7 # trailing comment
      final_state: CONNECTED
  events:
    - where: { payload.resource: mysql-7.max_connections }
      order: [DRIFT_DETECTED, DRIFT_RECONCILED]
    - system: mysql-7
      where: 'system == "mysql-7" && payload.policyId == "auto-recover"'
      count: 1
  metrics:
    - name: cp_state_transitions_total
      labels: { system: mysql-7, to: CONNECTED }
      value: ">= 1"
    - query: sum(x{system="mysql-7"}) - sum(x{system="mysql-2"})
      value: ">= 1"
  policies:
    - policy_id: auto-recover
      system: mysql-7
      should_fire: false
`);
  });

  it('preconditions', () => {
    expect(retargetExpression('mysql.state == CONNECTED', { mysql: 'mysql-7' })).toBe('systems["mysql-7"].state == "CONNECTED"');
    expect(retargetExpression('systems["mysql-3"].state == "CONNECTED"', { 'mysql-3': 'mysql-12' })).toBe('systems["mysql-12"].state == "CONNECTED"');
    expect(retargetExpression('mysql.state == CONNECTED && cache.state != DEGRADED', { mysql: 'mysql-2' })).toBe(
      'systems["mysql-2"].state == "CONNECTED" && cache.state != "DEGRADED"',
    );
  });
});
