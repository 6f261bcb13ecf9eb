// Stand-in (own code): see ggml-bitnet.h. Nothing else is needed.
#pragma once
