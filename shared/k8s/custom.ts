// Paths of the metallb.io custom resources l2lb reads and writes.
import { METALLB_GROUP, METALLB_VERSION } from '../api/types.js';
import { resourcePath } from './url.js';

export type MetallbPlural = 'ipaddresspools' | 'addresspools' | 'l2advertisements' | 'servicel2statuses' | 'configurationstates';

/** The collection path (list, watch, create) of `plural` in `namespace`. */
export const metallbPath = (namespace: string, plural: MetallbPlural): string => resourcePath({ group: METALLB_GROUP, version: METALLB_VERSION, namespace, plural });

/** One object's path, optionally a subresource of it (e.g. status). */
export const metallbObjectPath = (namespace: string, plural: MetallbPlural, name: string, subresource?: 'status'): string =>
  resourcePath({ group: METALLB_GROUP, version: METALLB_VERSION, namespace, plural, name, ...(subresource ? { subresource } : {}) });
