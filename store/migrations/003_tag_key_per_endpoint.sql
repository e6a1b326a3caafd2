-- 003: a tag is unique per endpoint, not across endpoints. Two identical lines from one
-- vendor publish the same namespace URI and node ids; they are different signals.
ALTER TABLE tag DROP CONSTRAINT tag_tag_key_key;
ALTER TABLE tag ADD CONSTRAINT tag_endpoint_tag_key_key UNIQUE (endpoint, tag_key);
