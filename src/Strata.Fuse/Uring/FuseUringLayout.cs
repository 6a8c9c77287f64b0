namespace Strata.Fuse.Uring;

/// <summary>
/// FUSE over io_uring (include/uapi/linux/fuse.h, Linux 6.14+): the layout of a ring entry's header buffer
/// (struct fuse_uring_req_header) and of the command a submission carries (struct fuse_uring_cmd_req).
/// </summary>
internal static class FuseUringLayout
{
    /// <summary>fuse_uring_cmd REGISTER: gives the kernel an entry's two buffers and waits for its first request.</summary>
    public const uint CmdRegister = 1;

    /// <summary>fuse_uring_cmd COMMIT_AND_FETCH: hands in the reply to the entry's request and waits for the next.</summary>
    public const uint CmdCommitAndFetch = 2;

    /// <summary>in_out: the fuse_in_header of a request, the fuse_out_header of its reply.</summary>
    public const int InOutOffset = 0;

    /// <summary>op_in: the request's first argument (the opcode's fixed struct); the rest goes to the payload buffer.</summary>
    public const int OpInOffset = 128;

    public const int OpInSize = 128;

    /// <summary>fuse_uring_ent_in_out: flags, commit_id, payload_sz, padding, reserved.</summary>
    public const int CommitIdOffset = 256 + 8;

    public const int PayloadSizeOffset = 256 + 16;

    /// <summary>sizeof(struct fuse_uring_req_header).</summary>
    public const int HeaderBufferSize = 256 + 32;

    // The command area starts 48 bytes into the SQE: flags (u64), commit_id (u64), qid (u16).
    public const int SqeCmdOpOffset = 8;
    public const int SqeAddrOffset = 16;
    public const int SqeLenOffset = 24;
    public const int SqeFdOffset = 4;
    public const int SqeCmdCommitIdOffset = 48 + 8;
    public const int SqeCmdQueueOffset = 48 + 16;
}
