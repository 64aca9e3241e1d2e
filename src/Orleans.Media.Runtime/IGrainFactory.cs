namespace Orleans.Media.Runtime;

/// <summary>Returns references to grains. Calls through a reference run as turns on the calling silo; inside a turn
/// they join the caller's transaction.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}
