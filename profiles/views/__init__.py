"""The pages of profiles, one module a page: the researcher page (profile), following and its
feed, claims, the owner's edits, invitations and the e-mail digest settings. Thin: parse, call one
service or selector, render."""
