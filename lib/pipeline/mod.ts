/**
 * The continuous fix pipeline and the real-data exerciser.
 *
 * ```ts
 * import { dataStages, formatSummary, runPipeline } from "./mod.ts";
 * const { report } = await runPipeline({ source: "data/sample", logDir: "/tmp/kfix",
 *   repairedDir: "/tmp/kfix/repaired", autoFix: true, stages: dataStages(), quiet: true });
 * console.log(formatSummary(report));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export {
  categories,
  categorize,
  categorizeAll,
  errorKey,
  type Pattern,
  patternFor,
  patternTable,
} from "./categorize.ts";
export { type ChildOptions, type ChildResult, runChild } from "./child.ts";
export { createEventLog, type EventLog, type Level } from "./event_log.ts";
export {
  type Bottleneck,
  exerciseData,
  type ExerciseError,
  type ExerciseOptions,
  type ExerciseReport,
  type FileRecord,
  type OperationRecord,
} from "./exercise_data.ts";
export { writeFixGuides } from "./guides.ts";
export { checkBacktestInvariants, type InvariantViolation } from "./invariants.ts";
export {
  askOnTerminal,
  formatSummary,
  type PipelineOptions,
  type PipelineOutcome,
  runPipeline,
} from "./pipeline.ts";
export { type ProfileSummary, startCpuProfile, summarizeProfile } from "./profile.ts";
export {
  type ChangeRecord,
  decodeExport,
  parseExportName,
  type QuarantinedRow,
  readRepairManifest,
  recordRepair,
  repairFile,
  type RepairManifest,
  type RepairOptions,
  type RepairResult,
  revertRepair,
  sniffLayout,
} from "./repair.ts";
export {
  allStages,
  backtestValidationStage,
  dataStages,
  DEFAULT_TEST_EXCLUDES,
  defaultStages,
  importCheckStage,
  menuExerciserStage,
  parseDenoCheck,
  parseDenoTest,
  preparationStage,
  realDataStage,
  type Stage,
  type StageContext,
  unitTestStage,
} from "./stages.ts";
export { type DataFile, listDataFiles, WorkingSet } from "./working_set.ts";
