import { describe, expect, it } from 'vitest';
import { isUuid, NAMESPACE_DNS, nodeIdFromFile, stableId, uuidv5 } from './ids.js';

describe('template ids', () => {
  it('[TPL1] stableId is the first 16 bytes of SHA-1("<namespace>:<name>") printed as a UUID', () => {
    expect(stableId('node_type', 'project_root')).toBe('292b9e11-45c7-94f4-20db-7f6085266a4f');
    expect(stableId('property.project_root', 'name')).toBe('19419fc9-6b1c-c58c-8c6b-2b00ae2dbcc2');
    // Option and macro-property vectors from the original's files (project_talus.yaml).
    expect(stableId('property.episode', '_feat_scheduling_status')).toBe(
      '21a07b17-c7a0-aa65-85b7-814f94e04fb6',
    );
    expect(stableId('episode._feat_scheduling_status', 'To Do')).toBe('226e3070-bda2-86ca-2e46-401776a8983f');
    expect(stableId('feature.status', 'To Do')).toBe('d9d116ca-739c-cbc2-b251-5190ab654d21');
    expect(stableId('a', 'b')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('[TPL2] node ids from files: a UUID is kept (lowercased), any other string becomes uuidv5(DNS, id)', () => {
    expect(nodeIdFromFile('292B9E11-45C7-94F4-20DB-7F6085266A4F')).toBe(
      '292b9e11-45c7-94f4-20db-7f6085266a4f',
    );
    // Vectors computed with Python's uuid.uuid5(uuid.NAMESPACE_DNS, s).
    expect(nodeIdFromFile('ot-root-0001-0000-0000-000000000001')).toBe(
      '91230ee4-754d-554c-8bd8-57f77cee3243',
    );
    expect(nodeIdFromFile('ot_root')).toBe('6be6a866-084e-5fa6-9887-b262c1587df3');
    expect(nodeIdFromFile('node-1')).toBe('9b3b6618-0449-5cf4-ba1a-1bd2727132bc');
    expect(nodeIdFromFile('')).toBe('4ebd0208-8328-5d69-8c44-ec50939c0967');
    expect(uuidv5('héllo ✓', NAMESPACE_DNS)).toBe('4a45ac82-d56e-53f4-89dd-028be093a327');
    expect(uuidv5('hello')).toBe('9342d47a-1bab-5709-9869-c840b2eac501');
    expect(isUuid('292b9e11-45c7-94f4-20db-7f6085266a4f')).toBe(true);
    expect(isUuid('292b9e1145c794f420db7f6085266a4f')).toBe(false);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});
