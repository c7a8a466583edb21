// The engine's public surface: what the worker, the CLI, the benchmark and the server import.
export * from './model';
export * from './operators';
export { parse } from './parser';
export { lex, type Token } from './lexer';
export { print, printCondition, printPerformed } from './printer';
export {
  compile,
  compileQuery,
  type CompiledSegment,
  type CompileOptions,
  type SegmentRef
} from './compile';
export { evaluate, Evaluator } from './evaluate';
export { explain, explainText, type ExplainNode } from './explain';
export { SegmentEngine, type ChangeScope, type MembershipChange } from './live';
export { ColumnarStore, eventKey } from './store';
export { subtract, reachedAt, addMonths, UNITS, type Unit } from './time';
export { parseIsoInstant, normalizeText } from './column';
