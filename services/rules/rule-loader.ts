import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceTypes } from '../../devices/catalog.ts';
import { loadYamlList } from '../shared/yaml-list-file.ts';
import { ruleSchema, type Rule } from './rule-schema.ts';

const devicesDir = fileURLToPath(new URL('../../devices/', import.meta.url));

/** Reads and validates one rules YAML file; the error lists every problem with its place in the file. */
export function loadRuleFile(file: string): Rule[] {
  return loadYamlList(file, ruleSchema, 'FMS_ERR_RULE_INVALID', 'rules');
}

/** The default rules shipped in devices/<type>/rules.yaml. */
export function loadDefaultRules(): Rule[] {
  return deviceTypes.flatMap((type) => loadRuleFile(path.join(devicesDir, type, 'rules.yaml')));
}
