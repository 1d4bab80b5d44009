import mongoose, { type ClientSession, type Connection, type Model } from 'mongoose';
import { assertCollection, assertField, StoreConflictError, type Doc, type DocumentStore, type Scalar, type Stored, type WriteOp } from './port.ts';

interface RawDocument {
  _id: string;
  rev: number;
  seq: number;
  [field: string]: unknown;
}

/**
 * MongoDB through mongoose, chosen by MONGODB_URI (docker-compose and
 * production). Each collection is a schemaless model keyed by our own id;
 * `seq` keeps insertion order so both adapters list documents alike.
 */
export class MongoStore implements DocumentStore {
  readonly kind = 'mongodb' as const;
  private readonly connection: Connection;
  private readonly models = new Map<string, Model<RawDocument>>();
  private counter = 0;

  private constructor(connection: Connection) {
    this.connection = connection;
  }

  static async connect(uri: string): Promise<MongoStore> {
    const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 });
    await connection.asPromise();
    return new MongoStore(connection);
  }

  private model(collection: string): Model<RawDocument> {
    assertCollection(collection);
    let model = this.models.get(collection);
    if (!model) {
      const schema = new mongoose.Schema<RawDocument>(
        { _id: { type: String, required: true }, rev: { type: Number, required: true }, seq: { type: Number, index: true } },
        { strict: false, versionKey: false, collection, autoIndex: true },
      );
      model = this.connection.model<RawDocument>(collection, schema, collection);
      this.models.set(collection, model);
    }
    return model;
  }

  private nextSeq(): number {
    // Milliseconds plus a process-local counter: monotonic within a process
    // and close enough to insertion order across processes.
    this.counter = (this.counter + 1) % 1000;
    return Date.now() * 1000 + this.counter;
  }

  async get<T extends Doc>(collection: string, id: string): Promise<Stored<T> | null> {
    const raw = await this.model(collection).findById(id).lean<RawDocument>().exec();
    return raw ? revive<T>(raw) : null;
  }

  async find<T extends Doc>(collection: string, where: Readonly<Record<string, Scalar>> = {}): Promise<Stored<T>[]> {
    const filter: Record<string, Scalar> = {};
    for (const [field, value] of Object.entries(where)) {
      assertField(field);
      filter[field === 'id' ? '_id' : field] = value;
    }
    const rows = await this.model(collection).find(filter).sort({ seq: 1 }).lean<RawDocument[]>().exec();
    return rows.map((raw) => revive<T>(raw));
  }

  async insert<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    const { id, ...rest } = doc;
    try {
      await this.model(collection).collection.insertOne({ ...rest, _id: id, rev: 1, seq: this.nextSeq() } as never);
    } catch (error) {
      if (isDuplicateKey(error)) throw new StoreConflictError(collection, id, 'exists');
      throw error;
    }
    return { ...doc, rev: 1 };
  }

  async update<T extends Doc>(collection: string, doc: Stored<T>): Promise<Stored<T>> {
    const { id, rev, ...rest } = doc;
    const result = await this.model(collection)
      .collection.updateOne({ _id: id, rev } as never, { $set: { ...rest, rev: rev + 1 } } as never);
    if (result.matchedCount === 0) throw new StoreConflictError(collection, id, 'stale');
    return { ...doc, rev: rev + 1 };
  }

  async put<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    const { id, rev: _ignored, ...rest } = doc;
    const updated = await this.model(collection)
      .collection.findOneAndUpdate(
        { _id: id } as never,
        { $set: rest, $inc: { rev: 1 }, $setOnInsert: { seq: this.nextSeq() } } as never,
        { upsert: true, returnDocument: 'after' },
      );
    const rev = (updated as unknown as { rev?: number } | null)?.rev ?? 1;
    return { ...doc, rev };
  }

  async remove(collection: string, id: string): Promise<boolean> {
    const result = await this.model(collection).collection.deleteOne({ _id: id } as never);
    return result.deletedCount > 0;
  }

  /** A multi-document transaction: needs a replica set (docker-compose runs a one-member set). */
  async write(ops: readonly WriteOp[]): Promise<number[]> {
    for (const op of ops) assertCollection(op.collection);
    const session = await this.connection.startSession();
    try {
      let revs: number[] = [];
      await session.withTransaction(async () => {
        revs = [];
        for (const op of ops) revs.push(await this.applyIn(op, session));
      });
      return revs;
    } finally {
      await session.endSession();
    }
  }

  private async applyIn(op: WriteOp, session: ClientSession): Promise<number> {
    const collection = this.model(op.collection).collection;
    switch (op.op) {
      case 'insert': {
        const { id, ...rest } = op.doc;
        try {
          await collection.insertOne({ ...rest, _id: id, rev: 1, seq: this.nextSeq() } as never, { session });
        } catch (error) {
          if (isDuplicateKey(error)) throw new StoreConflictError(op.collection, id, 'exists');
          throw error;
        }
        return 1;
      }
      case 'update': {
        const { id, rev, ...rest } = op.doc;
        const result = await collection.updateOne({ _id: id, rev } as never, { $set: { ...rest, rev: rev + 1 } } as never, { session });
        if (result.matchedCount === 0) throw new StoreConflictError(op.collection, id, 'stale');
        return rev + 1;
      }
      case 'put': {
        const { id, rev: _ignored, ...rest } = op.doc as Doc & { rev?: number };
        const updated = await collection.findOneAndUpdate(
          { _id: id } as never,
          { $set: rest, $inc: { rev: 1 }, $setOnInsert: { seq: this.nextSeq() } } as never,
          { upsert: true, returnDocument: 'after', session },
        );
        return (updated as unknown as { rev?: number } | null)?.rev ?? 1;
      }
      case 'remove':
        await collection.deleteOne({ _id: op.id } as never, { session });
        return 0;
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function revive<T extends Doc>(raw: RawDocument): Stored<T> {
  const { _id, seq: _seq, ...rest } = raw;
  return { ...rest, id: _id } as unknown as Stored<T>;
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
