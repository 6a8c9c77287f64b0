using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Running;

/// <summary>
/// Runs a script on kernel overlayfs and on what is tested (a Strata mount, or the in-process facade): the first
/// difference, or null.
/// </summary>
public delegate Mismatch? SequenceRunner(LayerStackSpec layers, IReadOnlyList<Operation> steps, RunMode mode, OperationMix? mix);
