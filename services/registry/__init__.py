"""The registry of supervised objects (三基资料: 监管对象基本信息): companies, vessels of
interest, berths and terminals, anchorages, facilities, with contacts and their office."""
