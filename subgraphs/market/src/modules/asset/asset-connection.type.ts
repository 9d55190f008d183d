import { connectionType } from '@herck/common';
import { Asset } from './asset.entity';

export const AssetConnection = connectionType(Asset, 'Asset', 'asset');
