import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Table `chain_identities`: per chain, the genesis block hash its watcher verified the node against. */
@Entity({ name: 'chain_identities' })
export class ChainIdentityEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'integer', primaryKeyConstraintName: 'pk_chain_identities' })
  chainId!: number;

  @Column({ name: 'genesis_hash', type: 'text' })
  genesisHash!: string;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;
}
