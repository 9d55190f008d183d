import { connectionType } from '@herck/common';
import { Tick } from './tick.type';

export const TickConnection = connectionType(Tick, 'Tick', 'tick');
