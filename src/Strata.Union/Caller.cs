namespace Strata.Union;

/// <summary>Who asks for an operation; objects he creates belong to him.</summary>
public readonly record struct Caller(uint Uid, uint Gid, int Pid);
