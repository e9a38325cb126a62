import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Table `watcher_leaders`: per chain, the epoch of its current leader watcher (a fencing token) and who took it. */
@Entity({ name: 'watcher_leaders' })
export class WatcherLeaderEntity {
  @PrimaryColumn({ name: 'chain_id', type: 'integer', primaryKeyConstraintName: 'pk_watcher_leaders' })
  chainId!: number;

  @Column({ name: 'epoch', type: 'bigint' })
  epoch!: string;

  @Column({ name: 'leader', type: 'text' })
  leader!: string;

  @Column({ name: 'since', type: 'timestamptz', default: () => 'now()' })
  since!: Date;
}
