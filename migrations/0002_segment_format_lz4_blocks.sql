-- Segments written as LZ4 blocks of whole batches (src/log/lz4-blocks.ts); 'lz4' (one LZ4 frame)
-- is what earlier versions wrote and stays readable.
ALTER TABLE segments DROP CONSTRAINT segments_format_check;
ALTER TABLE segments ADD CONSTRAINT segments_format_check CHECK (format IN ('raw', 'lz4', 'lz4-blocks'));
