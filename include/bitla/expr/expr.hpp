// bitla/expr/expr.hpp — the expression layer: terms, composition, lowering, evaluation.
#pragma once

#include "compiled.hpp"
#include "evaluate.hpp"
#include "nodes.hpp"
#include "plan.hpp"
#include "terms.hpp"
