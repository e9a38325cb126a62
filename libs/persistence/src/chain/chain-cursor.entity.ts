import { Column, Entity, PrimaryColumn } from 'typeorm';

import { bigintTransformer } from '../database/transformers';

/** Table `chain_cursors`: per chain, the last block whose transfers are stored. */
@Entity({ name: 'chain_cursors' })
export class ChainCursorEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'integer', primaryKeyConstraintName: 'pk_chain_cursors' })
  chainId!: number;

  @Column({ name: 'block_number', type: 'bigint', transformer: bigintTransformer })
  blockNumber!: bigint;

  @Column({ name: 'block_hash', type: 'text' })
  blockHash!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
