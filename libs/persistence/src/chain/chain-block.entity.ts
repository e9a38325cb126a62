import { Column, Entity, PrimaryColumn } from 'typeorm';

import { bigintTransformer } from '../database/transformers';

/**
 * Table `chain_blocks`: hashes of recently processed blocks (within `finalityDepth`), so a
 * new block whose parent hash differs reveals a reorg and its common ancestor.
 */
@Entity({ name: 'chain_blocks' })
export class ChainBlockEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'integer', primaryKeyConstraintName: 'pk_chain_blocks' })
  chainId!: number;

  @PrimaryColumn({
    name: 'block_number',
    type: 'bigint',
    primaryKeyConstraintName: 'pk_chain_blocks',
    transformer: bigintTransformer,
  })
  blockNumber!: bigint;

  @Column({ name: 'block_hash', type: 'text' })
  blockHash!: string;

  @Column({ name: 'parent_hash', type: 'text' })
  parentHash!: string;

  @Column({ name: 'block_timestamp', type: 'timestamptz' })
  blockTimestamp!: Date;
}
