import type { Dim, ValueSpec } from '../onnx';
import type { ParamValue } from '../runs/record';

/** An input or output of a registered model, as `lathe model show` and the editor display it. */
export interface ModelIo {
  name: string;
  type: string;
  /** null when even the rank is unknown. */
  shape: Dim[] | null;
  kind?: ValueSpec['kind'];
}

/** What was read from the ONNX file at registration (never re-read: the bytes of a version cannot change). */
export interface ModelOnnxInfo {
  irVersion: number;
  /** Operator set version by domain, e.g. {"ai.onnx": 17}. */
  opsets: Record<string, number>;
  producer: { name: string; version: string };
  inputs: ModelIo[];
  outputs: ModelIo[];
  parameterCount: number;
  nodeCount: number;
  /** Node counts by op type. */
  ops: Record<string, number>;
}

export interface ModelLineageInfo {
  /** The run (`.lathe/runs/<id>`) that produced the model. */
  run?: string;
  /** Dataset versions it was trained or evaluated on, as `name@vK`. */
  datasets?: string[];
  /** The version it was derived from, always concrete: `name@vK`. */
  parent?: string;
  /** How it was derived from the parent (quantize, distill, lora, fine-tune...). */
  technique?: string;
  settings?: Record<string, ParamValue>;
}

/** `.lathe/models/<name>/v<N>.json`: one registered version, immutable once written. */
export interface ModelVersion {
  schema: 1;
  name: string;
  version: number;
  /** 'adapter': the file holds only LoRA adapter tensors for its lineage parent (see core/lora/adapter.ts). */
  kind?: 'adapter';
  createdAt: string;
  message?: string;
  file: { sha256: string; size: number; originalName: string };
  onnx: ModelOnnxInfo;
  metrics: Record<string, number>;
  lineage: ModelLineageInfo;
}

/** What registerModel returns: the version, and whether this call created it. */
export interface RegisteredModel extends ModelVersion {
  /** false when the same bytes already were the latest version of the name: nothing new was written. */
  created: boolean;
}

export interface ModelSummary {
  name: string;
  versionCount: number;
  latest: ModelVersion;
  /** Alias → version number. */
  aliases: Record<string, number>;
}

/** One alias move. `version` null is a removal; `previous` null is a first assignment. */
export interface AliasMove {
  alias: string;
  version: number | null;
  previous: number | null;
  at: string;
}

/** `.lathe/models/<name>/aliases.json`. */
export interface AliasRecord {
  schema: 1;
  aliases: Record<string, number>;
  history: AliasMove[];
}

/** A version and the versions derived from it, recursively. */
export interface LineageNode {
  ref: string;
  version: ModelVersion;
  children: LineageNode[];
}

/** What a lineage view needs to know about a run a version names. */
export interface LineageRun {
  id: string;
  /** false when `.lathe/runs/<id>` is gone (runs are not committed by default). */
  exists: boolean;
  name?: string;
  status?: string;
}

export interface ModelLineage {
  subject: ModelVersion;
  /** Parent first, then its parent, up to the first version without one. */
  ancestors: ModelVersion[];
  /** Set when the chain ends at a parent reference whose version no longer exists. */
  missingAncestor?: string;
  /** Versions derived from the subject, recursively (across model names). */
  descendants: LineageNode[];
  /** Every run named by the subject, its ancestors or its descendants. */
  runs: Record<string, LineageRun>;
}
