import { connectionType } from '../paging/connection.type';
import { Asset } from './asset.entity';

export const AssetConnection = connectionType(Asset, 'Asset', 'asset');
