import { Query, Resolver } from 'type-graphql';
import { listBackups, RequiresRole } from '@herck/common';
import { Backup } from './backup.type';

/** The backups `npm run backup` wrote under `BACKUP_DIR`, read from disk on each request (admins). */
@Resolver(() => Backup)
export class BackupResolver {
  constructor(private readonly dir: string) {}

  @RequiresRole('ADMIN')
  @Query(() => [Backup], { description: 'Complete backups under BACKUP_DIR, newest first (admins)' })
  backups(): Promise<Backup[]> {
    return listBackups(this.dir);
  }
}
