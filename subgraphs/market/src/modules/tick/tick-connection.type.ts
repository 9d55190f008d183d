import { connectionType } from '../paging/connection.type';
import { Tick } from './tick.type';

export const TickConnection = connectionType(Tick, 'Tick', 'tick');
