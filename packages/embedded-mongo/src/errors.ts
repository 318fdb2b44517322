/**
 * Server errors with MongoDB's numeric codes and code names, so the official driver
 * raises the same `MongoServerError` (code, codeName, errorLabels) it would against mongod.
 */
export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  ProtocolError: 17,
  WriteConflict: 112,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  TransactionTooOld: 225,
  OperationNotSupportedInTransaction: 263,
  IndexAlreadyExists: 68,
  CannotIndexParallelArrays: 171,
  CannotCreateIndex: 67,
  Location16410: 16410,
  DuplicateKey: 11000,
  NotImplemented: 238,
  InvalidPipelineOperator: 168,
  Unauthorized: 13,
  MaxTimeMSExpired: 50,
  LockTimeout: 24,
  InvalidBSON: 22,
  CannotBackfillArray: 34,
  EmptyFieldName: 56,
  NotExactValueField: 111,
  ConflictingOperationInProgress: 117,
  Location40323: 40323,
  Location40324: 40324,
  /** IDL: "BSON field '...' is an unknown field." */
  Location40415: 40415,
  Location31249: 31249,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

const codeNames = new Map<number, string>(Object.entries(ErrorCodes).map(([name, code]) => [code, name]));

export class MongoError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly errorLabels: string[];
  /** Extra fields copied into the error reply or write error (keyPattern, keyValue, errInfo...). */
  readonly extra: Record<string, unknown>;

  constructor(codeName: ErrorCodeName, message: string, extra: Record<string, unknown> = {}, errorLabels: string[] = []) {
    super(message);
    this.code = ErrorCodes[codeName];
    this.codeName = codeName;
    this.extra = extra;
    this.errorLabels = errorLabels;
  }

  static fromCode(code: number, message: string): MongoError {
    const name = (codeNames.get(code) ?? "InternalError") as ErrorCodeName;
    return new MongoError(name, message);
  }

  /** The command-reply shape: `{ ok: 0, errmsg, code, codeName, errorLabels? , ...extra }`. */
  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
    if (this.errorLabels.length > 0) reply.errorLabels = this.errorLabels;
    return reply;
  }

  /** The `writeErrors[]` entry shape for the document at `index` of a batch. */
  toWriteError(index: number): Record<string, unknown> {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

/** Wraps anything thrown (mingo's plain Errors included) as a MongoError without losing its message. */
export function asMongoError(err: unknown, fallback: ErrorCodeName = "BadValue"): MongoError {
  if (err instanceof MongoError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MongoError(fallback, message);
}
